/**
 * End to end. The stack is synthesized once through the public API. Each test takes a schedule
 * and its target function from the cloud assembly, runs the shipped handler file of that
 * function's code asset in its own process (as Lambda would), and invokes it with the schedule's
 * own `Input` (the scheduled-time placeholder filled in as EventBridge Scheduler does), against
 * the loopback EC2 endpoint through the SDK's standard `AWS_ENDPOINT_URL_EC2` and fake
 * credentials. Follow-up runs go through a loopback Lambda endpoint (`AWS_ENDPOINT_URL_LAMBDA`)
 * and are run by the same function. The functions' clock reads as if the schedule had just fired.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template as AssertTemplate } from 'aws-cdk-lib/assertions';
import {
  findSchedule,
  scheduledPayload,
  type AssemblySchedule,
  type StackAssembly,
} from '../harness/assembly';
import {
  E2eWorld,
  ids,
  instanceLogs,
  MONDAY_MORNING,
  OFFICE,
  TAG,
  useE2eWorld,
} from './support/e2e';
import { officeHoursBuilder } from './support/app';
import {
  ec2ApiLimits,
  instanceIdFor,
  KMS_BOUNCE,
  makeInstances,
  RAISED_EC2_API_LIMITS,
  type Ec2Endpoint,
} from '../harness/ec2';
import type { LambdaEndpoint } from '../harness/lambda-endpoint';
import type { Invocation, LambdaRuntime } from '../harness/lambda-runtime';

// Every test forks the functions' execution environments and some wait on EC2's buckets.
jest.setTimeout(30_000);

let world: E2eWorld;
let outdir: string;
let stack: StackAssembly;
let ec2: Ec2Endpoint;
let lambda: LambdaEndpoint;

const runtime = (limits: string | undefined, timeoutMs?: number): LambdaRuntime =>
  world.runtime(limits, timeoutMs);
const fire = (
  rt: LambdaRuntime,
  schedule: AssemblySchedule,
  after: Date,
): Promise<{ at: Date; invocations: Invocation[] }> => world.fire(rt, schedule, after);
const calls = (action: string) => world.calls(action);
const stateOf = (id: string) => ec2.instance(id)?.state;

useE2eWorld(
  officeHoursBuilder('E2eScheduler', {
    schedule: { skipDates: ['2026-12-25', '2027-01-01'] },
    more: (scheduler) => {
      scheduler.addSchedule('lab', {
        start: 'cron(0 9 ? * MON-FRI *)',
        stop: 'cron(0 19 ? * * *)',
        hibernate: true,
      });
      scheduler.addSchedule('nights', {
        start: 'cron(0 20 ? * * *)',
        stop: 'cron(0 6 ? * * *)',
        timeZone: 'UTC',
      });
    },
  }),
  (started) => {
    world = started;
    ({ outdir, stack, ec2, lambda } = started);
  },
);

test('the assembly wires each schedule to the shipped start or stop bundle', () => {
  const start = findSchedule(stack, 'office-hours', 'start');
  const stop = findSchedule(stack, 'office-hours', 'stop');
  expect(start.expression).toBe('cron(0 8 ? * MON-FRI *)');
  expect(start.timeZone).toBe('America/New_York');
  expect(start.target.logicalId).not.toBe(stop.target.logicalId);
  // Every schedule of the scheduler shares the same pair of functions.
  for (const name of ['lab', 'nights']) {
    expect(findSchedule(stack, name, 'start').target).toBe(start.target);
    expect(findSchedule(stack, name, 'stop').target).toBe(stop.target);
  }
  for (const [fn, action] of [
    [start.target, 'start'],
    [stop.target, 'stop'],
  ] as const) {
    expect(fn.runtime).toMatch(/^nodejs/);
    expect(fn.exportName).toBe('handler');
    expect(path.relative(outdir, fn.file)).toMatch(/^asset\.[0-9a-f]+[\\/]index\.js$/);
    // The asset is the prebuilt bundle the package ships, byte for byte.
    const shippedBundle = path.join(__dirname, '..', 'assets', action, 'index.js');
    expect(fs.readFileSync(fn.file).equals(fs.readFileSync(shippedBundle))).toBe(true);
  }
});

test('the functions run on the Node.js that LAMBDA_NODE names (.ci/run: 24 and the newest), else on this one', async () => {
  const wanted = process.env.LAMBDA_NODE
    ? execFileSync(process.env.LAMBDA_NODE, ['--version'], { encoding: 'utf8' }).trim()
    : process.version;
  const rt = runtime(undefined);
  for (const action of ['start', 'stop'] as const) {
    const host = await rt.host(findSchedule(stack, 'office-hours', action).target.arn);
    expect(host.nodeVersion).toBe(wanted);
  }
});

test('the 8-to-5 start starts stopped office-hours instances and touches nothing else', async () => {
  ec2.addInstances([
    ...makeInstances(30, { tags: OFFICE, state: 'stopped', firstIndex: 1 }),
    ...makeInstances(5, { tags: OFFICE, state: 'running', firstIndex: 101 }),
    ...makeInstances(10, { tags: {}, state: 'stopped', firstIndex: 201 }),
    ...makeInstances(10, { tags: { [TAG]: 'nights' }, state: 'stopped', firstIndex: 301 }),
    ...makeInstances(1, {
      tags: { ...OFFICE, 'aws:autoscaling:groupName': 'web' },
      state: 'stopped',
      firstIndex: 401,
    }),
  ]);
  const office = ids(makeInstances(30, { firstIndex: 1 }));

  const { at, invocations } = await fire(
    runtime(undefined),
    findSchedule(stack, 'office-hours', 'start'),
    MONDAY_MORNING,
  );

  expect(at.toISOString()).toBe('2026-11-30T13:00:00.000Z'); // 08:00 EST
  expect(invocations).toHaveLength(1);
  const [run] = invocations;
  expect(run.error).toBeUndefined();
  expect(run.result).toMatchObject({
    schedule: 'office-hours',
    action: 'start',
    scheduledTime: '2026-11-30T13:00:00.000Z',
    found: 31,
    started: 30,
    skipped: 1,
    deferred: 0,
    failed: 0,
  });
  for (const id of office) expect(stateOf(id)).toBe('running');
  expect(stateOf(instanceIdFor(401))).toBe('stopped'); // Auto Scaling group member
  for (const i of ec2.instances().filter((x) => x.tags[TAG] !== 'office-hours')) {
    expect(i.state).toBe('stopped');
  }

  // What the SDK put on the wire: the listing, one start call, and nothing that names an
  // instance outside the schedule (reads and audit tags included).
  expect(calls('DescribeInstances')[0].params).toEqual({
    Action: 'DescribeInstances',
    Version: '2016-11-15',
    'Filter.1.Name': 'tag:Schedule',
    'Filter.1.Value.1': 'office-hours',
    'Filter.2.Name': 'instance-state-name',
    'Filter.2.Value.1': 'stopped',
    // Since issue 19 stopping instances are listed too, and started once stopped.
    'Filter.2.Value.2': 'stopping',
    MaxResults: '1000',
  });
  expect(calls('StartInstances')).toHaveLength(1);
  expect([...calls('StartInstances')[0].instanceIds].sort()).toEqual(office);
  expect(calls('StopInstances')).toHaveLength(0);
  expect(ec2.requests.flatMap((r) => r.instanceIds).filter((id) => !office.includes(id))).toEqual(
    [],
  );

  // One structured line per instance, and the summary.
  const lines = instanceLogs(invocations);
  expect(lines).toHaveLength(31);
  expect(lines.find((l) => l.instanceId === instanceIdFor(401))).toMatchObject({
    outcome: 'skipped',
    reason: expect.stringMatching(/Auto Scaling/),
  });
  expect(run.logs.filter((l) => l.message === 'summary')).toHaveLength(1);
  expect(lambda.requests).toHaveLength(0);
});

test('the stop stops running office-hours instances, skipping spot, instance-store and ASG members', async () => {
  ec2.addInstances([
    ...makeInstances(40, { tags: OFFICE, state: 'running', firstIndex: 1 }),
    ...makeInstances(3, { tags: OFFICE, state: 'stopped', firstIndex: 101 }),
    ...makeInstances(1, { tags: OFFICE, lifecycle: 'spot', firstIndex: 201 }),
    ...makeInstances(1, { tags: OFFICE, rootDeviceType: 'instance-store', firstIndex: 202 }),
    ...makeInstances(1, {
      tags: { ...OFFICE, 'aws:autoscaling:groupName': 'web' },
      firstIndex: 203,
    }),
    ...makeInstances(10, { tags: { [TAG]: 'nights' }, firstIndex: 301 }),
    ...makeInstances(5, { tags: {}, firstIndex: 401 }),
  ]);
  const office = ids(makeInstances(40, { firstIndex: 1 }));

  const { at, invocations } = await fire(
    runtime(undefined),
    findSchedule(stack, 'office-hours', 'stop'),
    MONDAY_MORNING,
  );

  expect(at.toISOString()).toBe('2026-11-30T22:00:00.000Z'); // 17:00 EST
  expect(invocations).toHaveLength(1);
  expect(invocations[0].error).toBeUndefined();
  expect(invocations[0].result).toMatchObject({
    action: 'stop',
    found: 43,
    stopped: 40,
    skipped: 3,
    failed: 0,
  });
  for (const id of office) expect(stateOf(id)).toBe('stopped');
  for (const n of [201, 202, 203, 301, 302, 310, 401, 405]) {
    expect(stateOf(instanceIdFor(n))).toBe('running');
  }
  expect(calls('DescribeInstances')[0].params).toMatchObject({
    'Filter.1.Name': 'tag:Schedule',
    'Filter.1.Value.1': 'office-hours',
    'Filter.2.Name': 'instance-state-name',
    'Filter.2.Value.1': 'running',
    MaxResults: '1000',
  });
  const stops = calls('StopInstances');
  expect(stops).toHaveLength(1);
  expect(stops[0].params.Hibernate).toBeUndefined();
  expect([...stops[0].instanceIds].sort()).toEqual(office);
  const reasons = Object.fromEntries(
    instanceLogs(invocations)
      .filter((l) => l.outcome === 'skipped')
      .map((l) => [l.instanceId, l.reason]),
  );
  expect(reasons).toEqual({
    [instanceIdFor(201)]: expect.stringMatching(/spot/),
    [instanceIdFor(202)]: expect.stringMatching(/instance-store/),
    [instanceIdFor(203)]: expect.stringMatching(/Auto Scaling/),
  });
});

test('hibernate: configured instances get Hibernate=true, others (and refusals) a plain stop', async () => {
  const lab = { [TAG]: 'lab' };
  ec2.addInstances([
    ...makeInstances(6, { tags: lab, hibernationConfigured: true, firstIndex: 1 }),
    ...makeInstances(4, { tags: lab, hibernationConfigured: false, firstIndex: 11 }),
  ]);
  // EC2 refuses to hibernate one instance that reports hibernation configured.
  ec2.failInstance(instanceIdFor(6), 'UnsupportedHibernationConfiguration', undefined, {
    actions: ['StopInstances'],
    hibernateOnly: true,
  });

  const { invocations } = await fire(
    runtime(undefined),
    findSchedule(stack, 'lab', 'stop'),
    MONDAY_MORNING,
  );

  expect(invocations).toHaveLength(1);
  expect(invocations[0].error).toBeUndefined();
  expect(invocations[0].result).toMatchObject({ stopped: 10, failed: 0 });
  for (const i of ec2.instances()) expect(i.state).toBe('stopped');

  const hibernated = ids(makeInstances(5, { firstIndex: 1 }));
  const accepted = calls('StopInstances').filter((r) => r.status === 200);
  const withHibernate = accepted.filter((r) => r.params.Hibernate === 'true');
  expect(withHibernate.flatMap((r) => r.instanceIds).sort()).toEqual(hibernated);
  const plain = accepted.filter((r) => r.params.Hibernate === undefined);
  expect(plain.flatMap((r) => r.instanceIds).sort()).toEqual([
    instanceIdFor(6),
    ...ids(makeInstances(4, { firstIndex: 11 })),
  ]);
  for (const id of hibernated) {
    expect(ec2.instance(id)?.stateReason?.code).toBe('Client.UserInitiatedHibernate');
  }
  expect(ec2.instance(instanceIdFor(6))?.stateReason?.code).toBe('Client.UserInitiatedShutdown');
  expect(instanceLogs(invocations).find((l) => l.instanceId === instanceIdFor(6))).toMatchObject({
    outcome: 'stopped',
    reason: 'hibernation refused; stopped without it',
  });
});

test('a holiday: the start makes no EC2 call at all; that evening the stop still runs', async () => {
  ec2.addInstances([
    ...makeInstances(20, { tags: OFFICE, state: 'stopped', firstIndex: 1 }),
    ...makeInstances(10, { tags: OFFICE, state: 'running', firstIndex: 101 }),
  ]);
  const christmasEve = new Date('2026-12-24T23:00:00Z'); // 18:00 in New York

  const start = await fire(
    runtime(undefined),
    findSchedule(stack, 'office-hours', 'start'),
    christmasEve,
  );

  expect(start.at.toISOString()).toBe('2026-12-25T13:00:00.000Z'); // Friday 08:00 EST
  expect(start.invocations[0].error).toBeUndefined();
  expect(start.invocations[0].result).toMatchObject({
    skipDate: '2026-12-25',
    found: 0,
    started: 0,
    apiCalls: 0,
  });
  expect(ec2.requests).toHaveLength(0);

  const stop = await fire(
    runtime(undefined),
    findSchedule(stack, 'office-hours', 'stop'),
    christmasEve,
  );
  expect(stop.at.toISOString()).toBe('2026-12-25T22:00:00.000Z');
  expect(stop.invocations[0].result).toMatchObject({ stopped: 10, failed: 0 });
  expect(calls('StartInstances')).toHaveLength(0);
  expect(
    calls('StopInstances')
      .flatMap((r) => r.instanceIds)
      .sort(),
  ).toEqual(ids(makeInstances(10, { firstIndex: 101 })));
  for (const i of ec2.instances()) expect(i.state).toBe('stopped');
});

test('throttling: the SDK retries a throttled listing, the run shrinks a throttled batch; every instance starts', async () => {
  // EC2's buckets in force, 500 times faster; the handler is told the same.
  ec2.setLimits({ timeScale: 500 });
  ec2.addInstances(makeInstances(1000, { tags: OFFICE, state: 'stopped' }));
  ec2.throttleNext(1, 'DescribeInstances');
  ec2.throttleNext(1, 'StartInstances');

  const { invocations } = await fire(
    runtime(ec2ApiLimits(500), 60_000),
    findSchedule(stack, 'office-hours', 'start'),
    MONDAY_MORNING,
  );

  expect(invocations.map((i) => i.error)).toEqual(invocations.map(() => undefined));
  for (const i of ec2.instances()) expect(i.state).toBe('running');
  const results = invocations.map((i) => i.result as { started: number; failed: number });
  expect(results.reduce((n, r) => n + r.started, 0)).toBe(1000);
  expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);

  // The SDK's retry of the listing: the same request, refused, then answered.
  const describes = calls('DescribeInstances');
  expect(describes.slice(0, 2).map((r) => r.status)).toEqual([503, 200]);
  expect(describes[1].params).toEqual(describes[0].params);

  // The run's answer to a throttled batch: a smaller one, not the same one again.
  const starts = calls('StartInstances');
  expect(starts[0]).toMatchObject({ status: 503, errorCode: 'RequestLimitExceeded' });
  expect(starts[0].instanceIds).toHaveLength(1000);
  expect(starts[1].instanceIds.length).toBeLessThanOrEqual(500);
  const started = starts.filter((r) => r.status === 200).flatMap((r) => r.instanceIds);
  expect(started).toHaveLength(1000);
  expect(new Set(started).size).toBe(1000);
  expect(ec2.throttledCount('StartInstances')).toBeLessThanOrEqual(2);
});

test('one bad instance among 2,500: the other 2,499 start and the invocation fails naming it', async () => {
  ec2.addInstances(makeInstances(2500, { tags: OFFICE, state: 'stopped' }));
  const bad = instanceIdFor(1234);
  ec2.failInstance(bad, 'InsufficientInstanceCapacity');

  const { invocations } = await fire(
    runtime(RAISED_EC2_API_LIMITS),
    findSchedule(stack, 'office-hours', 'start'),
    MONDAY_MORNING,
  );

  expect(invocations).toHaveLength(1);
  const { error } = invocations[0];
  expect(error?.name).toBe('RunFailedError');
  expect(error?.message).toBe(
    `1 instance(s) failed to start for schedule "office-hours": ${bad} (InsufficientInstanceCapacity)`,
  );
  expect(stateOf(bad)).toBe('stopped');
  const others = ec2.instances().filter((i) => i.instanceId !== bad);
  expect(others.filter((i) => i.state === 'running')).toHaveLength(2499);

  // Every call that carried the bad id failed as a whole; bisection narrowed it to the id alone.
  const starts = calls('StartInstances');
  const failed = starts.filter((r) => r.status !== 200);
  expect(failed.every((r) => r.instanceIds.includes(bad))).toBe(true);
  expect(failed[failed.length - 1].instanceIds).toEqual([bad]);
  const started = starts.filter((r) => r.status === 200).flatMap((r) => r.instanceIds);
  expect(started).toHaveLength(2499);
  expect(new Set(started).size).toBe(2499);
  expect(instanceLogs(invocations).filter((l) => l.outcome === 'failed')).toEqual([
    expect.objectContaining({ instanceId: bad, errorCode: 'InsufficientInstanceCapacity' }),
  ]);
  expect(invocations[0].logs.find((l) => l.message === 'summary')).toMatchObject({
    found: 2500,
    started: 2499,
    failed: 1,
    failures: [
      {
        instanceId: bad,
        errorCode: 'InsufficientInstanceCapacity',
        message: expect.stringMatching(/sufficient t3\.micro capacity/),
      },
    ],
  });
});

test('a deadline: the run defers what it cannot reach and its follow-up run finishes the rest', async () => {
  // EC2's buckets in force, 20 times faster, and 150 ms per call. Each run has 2 s (a 1 s run's
  // first page of 1,000 instances can take all of it on a loaded machine, and each follow-up
  // also looks at its carried instances again). The handler is told the same (scaled) limits
  // through EC2_API_LIMITS.
  ec2.setLimits({ timeScale: 20 });
  ec2.latencyMs = 150;
  ec2.addInstances(makeInstances(1100, { tags: OFFICE, state: 'stopped' }));
  const schedule = findSchedule(stack, 'office-hours', 'start');
  const fleet = ids(makeInstances(1100, { firstIndex: 1 }));

  // The 100 instances beyond EC2's burst of 1,000 need 50 EC2 seconds (2.5 s here) of refill,
  // more than the first run has.
  const { at, invocations } = await fire(
    runtime(ec2ApiLimits(20, 1), 2000),
    schedule,
    MONDAY_MORNING,
  );

  expect(invocations.length).toBeGreaterThanOrEqual(2);
  // Bounded. At worst (a loaded machine) the first run only lists its first page, each follow-up
  // looks again at and starts one DescribeInstances' worth of carried ids (198, EC2's filter
  // limit): 6 runs for 1,000, then one to list the rest and one for the refill.
  expect(invocations.length).toBeLessThanOrEqual(10);
  expect(invocations.map((i) => i.error)).toEqual(invocations.map(() => undefined));
  const results = invocations.map(
    (i) =>
      i.result as {
        found: number;
        started: number;
        deferred: number;
        failed: number;
        followUp?: { attempt: number; notAfter: string };
      },
  );
  // The first run lists all 1,100, or (under load, the listing cut short by the deadline) the
  // first page of 1,000 and leaves the rest to be listed again; it starts EC2's burst unless a
  // slow start leaves it no time, and hands the rest over. Either way every instance has exactly
  // one outcome per run.
  expect([1000, 1100]).toContain(results[0].found);
  expect(results[0]).toMatchObject({
    failed: 0,
    followUp: { attempt: 1, notAfter: '2026-11-30T22:00:00.000Z' },
  });
  expect(results[0].started + results[0].deferred).toBe(results[0].found);
  // All listed: the bucket lets 2 s start at most 1,000 + 80 of them.
  if (results[0].found === 1100) expect(results[0].deferred).toBeGreaterThanOrEqual(20);
  expect(invocations[0].logs.filter((l) => l.outcome === 'deferred').map((l) => l.reason)).toEqual(
    Array(results[0].deferred).fill('handed to follow-up run 1'),
  );
  expect((lambda.requests[0].payload as { followUp: { relist?: boolean } }).followUp.relist).toBe(
    results[0].found === 1000 ? true : undefined,
  );
  for (const invocation of invocations) {
    const lines = instanceLogs([invocation]).map((l) => l.instanceId);
    expect(new Set(lines).size).toBe(lines.length);
  }
  // Across the chain, each instance is started exactly once, and is otherwise only deferred.
  const lines = instanceLogs(invocations);
  expect(lines.every((l) => l.outcome === 'started' || l.outcome === 'deferred')).toBe(true);
  expect(
    lines
      .filter((l) => l.outcome === 'started')
      .map((l) => l.instanceId)
      .sort(),
  ).toEqual(fleet);
  expect(results.reduce((n, r) => n + r.started, 0)).toBe(1100);
  expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);
  expect(results[results.length - 1]).toMatchObject({ deferred: 0 });
  expect(results[results.length - 1].followUp).toBeUndefined();
  for (const i of ec2.instances()) expect(i.state).toBe('running');
  const started = calls('StartInstances')
    .filter((r) => r.status === 200)
    .flatMap((r) => r.instanceIds);
  expect(new Set(started).size).toBe(1100);
  expect(started).toHaveLength(1100);

  // Each follow-up is an async Invoke of the function itself, with the schedule's own input
  // and the chain's state; the window ends at the schedule's next stop.
  const original = scheduledPayload(schedule, at) as Record<string, unknown>;
  expect(lambda.requests).toHaveLength(invocations.length - 1);
  lambda.requests.forEach((req, k) => {
    expect(req).toMatchObject({
      functionName: schedule.target.arn,
      invocationType: 'Event',
      status: 202,
    });
    const { followUp, scheduledTime, ...rest } = req.payload as Record<string, unknown>;
    const { scheduledTime: originalTime, ...originalRest } = original;
    expect(rest).toEqual(originalRest);
    expect(new Date(scheduledTime as string)).toEqual(new Date(originalTime as string));
    expect(followUp).toMatchObject({ attempt: k + 1, notAfter: '2026-11-30T22:00:00.000Z' });
  });
});

test('a start that EC2 undoes (missing KMS grant) is a failed outcome, a metric for the alarm, and a log line naming the cause', async () => {
  ec2.addInstances(makeInstances(4, { tags: OFFICE, state: 'stopped' }));
  const [encrypted] = makeInstances(1, {
    tags: OFFICE,
    state: 'stopped',
    firstIndex: 100,
    bounce: KMS_BOUNCE,
  });
  ec2.addInstances([encrypted]);
  const schedule = findSchedule(stack, 'office-hours', 'start');

  const { invocations } = await fire(runtime(RAISED_EC2_API_LIMITS), schedule, MONDAY_MORNING);

  // The invocation fails (so Lambda's retries and the FunctionErrors alarm see it) ...
  expect(invocations).toHaveLength(1);
  expect(invocations[0].error?.message).toBe(
    `1 instance(s) failed to start for schedule "office-hours": ${encrypted.instanceId} (Client.InternalError)`,
  );
  expect(stateOf(encrypted.instanceId)).toBe('stopped');
  // ... after the verification poll saw it back at stopped while the others run.
  expect(calls('DescribeInstances').length).toBeGreaterThanOrEqual(2);
  const lines = instanceLogs(invocations);
  expect(lines.filter((l) => l.outcome === 'started' && l.verified === true)).toHaveLength(4);
  expect(lines.filter((l) => l.outcome === 'failed')).toEqual([
    expect.objectContaining({
      instanceId: encrypted.instanceId,
      errorCode: 'Client.InternalError',
      errorMessage: expect.stringMatching(/kms:CreateGrant.*encryptionKeys/),
    }),
  ]);
  // The audit tag tells a person looking at the instance what happened.
  expect(ec2.instance(encrypted.instanceId)?.tags['Schedule:last-action']).toMatch(
    /^start failed \S+Z by office-hours$/,
  );

  // The EMF metric the FailedInstances alarm watches: InstancesFailed with Action alone.
  const emf = invocations[0].logs.filter((l) => '_aws' in l);
  expect(emf).toContainEqual(
    expect.objectContaining({ Action: 'start', InstancesFailed: 1, Schedule: 'office-hours' }),
  );
  const acrossSchedules = emf.find((l) => !('Schedule' in l));
  expect(acrossSchedules).toMatchObject({ Action: 'start', InstancesFailed: 1 });
  const namespace = (acrossSchedules?._aws as { CloudWatchMetrics: { Namespace: string }[] })
    .CloudWatchMetrics[0].Namespace;

  // ... and that alarm, in the same template, watches exactly that metric and notifies the topic.
  const template = AssertTemplate.fromJSON(stack.template as unknown as Record<string, unknown>);
  const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmActions: [{ Ref: topic }],
    Metrics: Match.arrayWith([
      Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: {
            Namespace: namespace,
            MetricName: 'InstancesFailed',
            Dimensions: [{ Name: 'Action', Value: 'start' }],
          },
        }),
      }),
    ]),
  });
});
