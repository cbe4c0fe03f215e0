/**
 * End to end, through the shipped bundles: what happens when things go wrong (issue 9). Lambda
 * retries, faults of EC2 and Lambda answers, hung connections, events that do not belong to the
 * deployment, and instances that change between the runs of a follow-up chain.
 */
import { findSchedule, scheduledPayload, type StackAssembly } from '../harness/assembly';
import {
  E2eWorld,
  emfLines,
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
  makeInstances,
  RAISED_EC2_API_LIMITS,
  type Ec2Endpoint,
} from '../harness/ec2';
import type { LambdaEndpoint } from '../harness/lambda-endpoint';
import type { Invocation } from '../harness/lambda-runtime';

jest.setTimeout(60_000);

let world: E2eWorld;
let stack: StackAssembly;
let ec2: Ec2Endpoint;
let lambda: LambdaEndpoint;

useE2eWorld(
  officeHoursBuilder('ReliabilityScheduler', {
    more: (scheduler) =>
      scheduler.addSchedule('lab', {
        start: 'cron(0 9 ? * MON-FRI *)',
        stop: 'cron(0 19 ? * * *)',
      }),
  }),
  (started) => {
    world = started;
    ({ stack, ec2, lambda } = started);
  },
);

const startSchedule = () => findSchedule(stack, 'office-hours', 'start');
const stopSchedule = () => findSchedule(stack, 'office-hours', 'stop');
const summaryOf = (invocation: Invocation) =>
  invocation.logs.find((l) => l.message === 'summary') as Record<string, unknown> | undefined;
const sum = (invocations: readonly Invocation[], metric: string) =>
  emfLines(invocations)
    .filter((l) => 'Schedule' in l)
    .reduce((n, l) => n + ((l[metric] as number | undefined) ?? 0), 0);
const accepted = (action: string) =>
  world
    .calls(action)
    .filter((r) => r.status === 200)
    .flatMap((r) => r.instanceIds);

describe('point 1: one chain per scheduled run', () => {
  test('a follow-up with a bad instance that queues its own follow-up, re-run by Lambda on failure, still makes one chain: every instance started and counted once', async () => {
    // A follow-up run as Lambda delivers it: it carries 1,000 instances and EC2's start bucket
    // is full (buckets 100 times faster: 200 instances a second). EC2 refuses the first instance,
    // so its first call of 1,000 fails and (as EC2 may) costs the 1,000 tokens: in its 2 s it
    // settles the bad instance, starts what the refill allows and hands the rest on.
    const rt = world.runtime(ec2ApiLimits(100), 2000, { asyncRetries: 2 });
    // A warm execution environment (a run of a schedule with no instances), so that the first
    // follow-up's 2 s are not spent on the process's first SDK calls.
    await world.fire(rt, findSchedule(stack, 'lab', 'start'), MONDAY_MORNING);
    world.reset();
    ec2.setLimits({ timeScale: 100 });
    ec2.addInstances(makeInstances(1000, { tags: OFFICE, state: 'stopped' }));
    const carried = ids(makeInstances(1000, { firstIndex: 1 }));
    const [bad, ...good] = carried;
    ec2.failInstance(bad, 'IncorrectInstanceState');
    const firedAt = new Date('2026-11-30T13:00:00Z');
    const now = firedAt.getTime() + 60_000;
    const followUpRun = {
      ...(scheduledPayload(startSchedule(), firedAt) as object),
      followUp: {
        attempt: 1,
        notAfter: '2026-11-30T22:00:00Z',
        buckets: { request: 5, resource: 1000, at: now },
        instances: { plain: carried, hibernate: [] },
      },
    };

    // Lambda's default (asyncRetries above): a failed asynchronous invocation runs twice more.
    rt.setClock(new Date(now));
    const invocations = await rt.invoke(startSchedule().target.arn, followUpRun);

    // The follow-up that reached the bad instance queued a successor.
    const failedIn = invocations.findIndex((i) =>
      instanceLogs([i]).some((l) => l.instanceId === bad && l.outcome === 'failed'),
    );
    expect(failedIn).toBeGreaterThanOrEqual(0);
    expect(summaryOf(invocations[failedIn])?.followUp).toBeDefined();

    // One chain: each follow-up queued once, attempts 2, 3, ... and no run re-run but the last.
    const attempts = lambda.requests.map(
      (r) => (r.payload as { followUp: { attempt: number } }).followUp.attempt,
    );
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts).toEqual(attempts.map((_, k) => k + 2));
    const chain = invocations.filter((i) => i.retry === undefined);
    expect(chain).toHaveLength(attempts.length + 1);
    expect(chain.slice(0, -1).map((i) => i.error)).toEqual(chain.slice(0, -1).map(() => undefined));
    // The chain's last run fails, naming the failure of the run before it.
    expect(chain[chain.length - 1].error?.message).toContain(`${bad} (IncorrectInstanceState)`);
    expect(invocations.filter((i) => i.retry !== undefined).map((i) => i.retry)).toEqual([1, 2]);

    // Every good instance started once, logged `started` once, counted once.
    expect(accepted('StartInstances').sort()).toEqual(good);
    const startedLines = instanceLogs(invocations).filter((l) => l.outcome === 'started');
    expect(startedLines.map((l) => l.instanceId).sort()).toEqual(good);
    expect(sum(invocations, 'InstancesStarted')).toBe(good.length);
    expect(sum(invocations, 'InstancesFailed')).toBe(1);
    for (const i of ec2.instances())
      expect(i.state).toBe(i.instanceId === bad ? 'stopped' : 'running');
  });
});

describe('point 2: a fault while verifying loses nothing', () => {
  test('DescribeInstances failing during verification leaves the started instances started and unverified, with the cause, the summary and the metrics', async () => {
    ec2.settleMs = 60_000; // the instances stay pending
    ec2.addInstances(makeInstances(130, { tags: OFFICE, state: 'stopped' }));
    // Every verification poll (state pending or stopped) fails with a server error.
    ec2.injectFault({
      action: 'DescribeInstances',
      when: (p) => p['Filter.2.Value.1'] === 'pending',
      respond: { code: 'InternalError', message: 'An internal error has occurred' },
    });

    const { invocations } = await world.fire(
      world.runtime(RAISED_EC2_API_LIMITS),
      startSchedule(),
      MONDAY_MORNING,
    );

    expect(invocations).toHaveLength(1);
    expect(invocations[0].error).toBeUndefined();
    const lines = instanceLogs(invocations);
    expect(lines).toHaveLength(130);
    for (const line of lines) {
      expect(line).toMatchObject({
        outcome: 'started',
        verified: false,
        reason: expect.stringMatching(/^not verified: DescribeInstances failed \(InternalError\)/),
      });
    }
    expect(summaryOf(invocations[0])).toMatchObject({ started: 130, unverified: 130, failed: 0 });
    expect(sum(invocations, 'InstancesUnverified')).toBe(130);
    // The SDK retried the poll before giving up on it.
    expect(
      world.calls('DescribeInstances').filter((r) => r.params['Filter.2.Value.1'] === 'pending')
        .length,
    ).toBeGreaterThan(1);
  });
});

describe('point 3: a failed hand-over still reports', () => {
  test('after a listing cut short by the deadline, a follow-up invoke that fails fails every listed instance with the cause, says the rest was not listed, writes the summary and metrics, then fails', async () => {
    ec2.addInstances(makeInstances(2500, { tags: OFFICE, state: 'stopped' }));
    // The third page never answers: the run lists 2,000 instances before its deadline.
    ec2.injectFault({ action: 'DescribeInstances', skip: 2, respond: 'hang' });
    lambda.failNext(10, 'ServiceException', 500);

    const { invocations } = await world.fire(
      world.runtime(RAISED_EC2_API_LIMITS, 4000),
      startSchedule(),
      MONDAY_MORNING,
    );

    expect(invocations).toHaveLength(1);
    const [run] = invocations;
    expect(run.error?.name).toBe('RunFailedError');
    expect(run.error?.message).toMatch(/could not queue the follow-up run: ServiceException/);
    const lines = instanceLogs(invocations);
    expect(lines).toHaveLength(2000);
    expect(new Set(lines.map((l) => l.instanceId)).size).toBe(2000);
    const unreached = lines.filter((l) => l.outcome === 'failed');
    expect(unreached.every((l) => l.errorCode === 'FollowUpFailed')).toBe(true);
    expect(unreached.length + lines.filter((l) => l.outcome === 'started').length).toBe(2000);
    expect(summaryOf(run)).toMatchObject({
      found: 2000,
      failed: unreached.length,
      notListed: true,
      handOverFailed: { errorCode: 'FollowUpFailed' },
    });
    expect(sum(invocations, 'InstancesFailed')).toBe(unreached.length);
    expect(run.logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'work left for a follow-up run that will not come',
        notListed: true,
      }),
    );
    // The summary comes before the invocation fails, not instead of it.
    expect(run.logs.findIndex((l) => l.message === 'summary')).toBeGreaterThan(0);
  });
});

describe('point 4: a bad instance costs seconds', () => {
  test("at EC2's documented limits, 30 instances with one that lacks capacity: the other 29 start in the first run, nothing is throttled, and no failed call is sent again as it was", async () => {
    ec2.setLimits({ timeScale: 1 });
    ec2.addInstances(makeInstances(30, { tags: OFFICE, state: 'stopped' }));
    const bad = instanceIdFor(7);
    ec2.failInstance(bad, 'InsufficientInstanceCapacity');

    const { invocations } = await world.fire(
      world.runtime(undefined),
      startSchedule(),
      MONDAY_MORNING,
    );

    expect(invocations).toHaveLength(1);
    expect(invocations[0].error?.message).toBe(
      `1 instance(s) failed to start for schedule "office-hours": ${bad} (InsufficientInstanceCapacity)`,
    );
    expect(summaryOf(invocations[0])).toMatchObject({ started: 29, failed: 1, throttledCalls: 0 });
    expect(ec2.throttledCount()).toBe(0);
    const failed = world.calls('StartInstances').filter((r) => r.status !== 200);
    expect(new Set(failed.map((r) => r.instanceIds.join())).size).toBe(failed.length);
    expect(failed[failed.length - 1].instanceIds).toEqual([bad]);
  });

  test('an InsufficientInstanceCapacity error names the type and zone: the instances of that type and zone are set apart at once, the others start in one call', async () => {
    ec2.addInstances(makeInstances(500, { tags: OFFICE, state: 'stopped' }));
    ec2.addInstances(
      makeInstances(2, {
        tags: OFFICE,
        state: 'stopped',
        firstIndex: 1001,
        instanceType: 'p5.48xlarge',
        availabilityZone: 'us-east-1b',
      }),
    );
    const bad = instanceIdFor(1002);
    ec2.failInstance(bad, 'InsufficientInstanceCapacity');

    const { invocations } = await world.fire(
      world.runtime(RAISED_EC2_API_LIMITS),
      startSchedule(),
      MONDAY_MORNING,
    );

    expect(invocations[0].error?.message).toContain(`${bad} (InsufficientInstanceCapacity)`);
    expect(world.calls('StartInstances').map((r) => [r.instanceIds.length, r.status])).toEqual([
      [502, 500],
      [500, 200],
      [2, 500],
      [1, 200],
      [1, 500],
    ]);
  });
});

describe('point 5: bounded calls', () => {
  test('a hung DescribeInstances and a hung StartInstances become retries, not a lost run', async () => {
    ec2.addInstances(makeInstances(40, { tags: OFFICE, state: 'stopped' }));
    ec2.injectFault({ action: 'DescribeInstances', times: 1, respond: 'hang' });
    ec2.injectFault({ action: 'StartInstances', times: 1, respond: 'hang' });

    const { invocations } = await world.fire(
      world.runtime(RAISED_EC2_API_LIMITS, 10_000),
      startSchedule(),
      MONDAY_MORNING,
    );

    expect(invocations).toHaveLength(1);
    expect(invocations[0].error).toBeUndefined();
    expect(summaryOf(invocations[0])).toMatchObject({ found: 40, started: 40, failed: 0 });
    for (const i of ec2.instances()) expect(i.state).toBe('running');
    expect(world.calls('DescribeInstances')[0].status).toBe(0); // hung
    expect(world.calls('StartInstances').map((r) => r.status)).toEqual([0, 200]);
  });
});

describe('point 6: events are checked against the deployment before any API call', () => {
  const base = () => scheduledPayload(startSchedule(), new Date('2026-11-30T13:00:00Z'));
  const followUp = (state: Record<string, unknown>) => ({
    ...(base() as Record<string, unknown>),
    followUp: { attempt: 1, notAfter: '2026-11-30T22:00:00Z', ...state },
  });
  test.each<[string, () => unknown, RegExp]>([
    [
      'a schedule of wildcards',
      () => ({ ...(base() as object), schedule: '*' }),
      /schedule "\*" is not a schedule of this scheduler \("office-hours", "lab"\)/,
    ],
    [
      'another tag key',
      () => ({ ...(base() as object), tagKey: 'Owner' }),
      /tagKey "Owner" is not this scheduler's tag key "Schedule"/,
    ],
    [
      'a 256 KB schedule name',
      () => ({ ...(base() as object), schedule: 'x'.repeat(256 * 1024) }),
      /schedule "x+\.\.\.\(262146 characters\) is 262144 characters long; at most 255/,
    ],
    [
      'a scheduled time that is a number',
      () => ({ ...(base() as object), scheduledTime: '1' }),
      /scheduledTime "1" is not an ISO 8601 time/,
    ],
    [
      'a scheduled time in words',
      () => ({ ...(base() as object), scheduledTime: 'March 7' }),
      /scheduledTime "March 7" is not an ISO 8601 time/,
    ],
    [
      'a scheduled time without a zone',
      () => ({ ...(base() as object), scheduledTime: '2026-11-30T13:00:00' }),
      /scheduledTime "2026-11-30T13:00:00" is not an ISO 8601 time/,
    ],
    [
      'an impossible date',
      () => ({ ...(base() as object), scheduledTime: '2026-02-30T13:00:00Z' }),
      /scheduledTime "2026-02-30T13:00:00Z" is not an ISO 8601 time/,
    ],
    [
      'a follow-up bucket of -1e6',
      () =>
        followUp({
          buckets: { request: 5, resource: -1e6, at: Date.parse('2026-11-30T13:00:01Z') },
        }),
      /followUp.buckets.resource -1000000 must be a number from 0 to 1000/,
    ],
    [
      'a follow-up attempt beyond the chain bound',
      () => followUp({ attempt: 1001 }),
      /followUp.attempt 1001 must be a whole number of at least 1 and at most 1000/,
    ],
    [
      'a follow-up window ten years long',
      () => followUp({ notAfter: '2036-11-30T22:00:00Z' }),
      /followUp.notAfter "2036-11-30T22:00:00Z" is more than 400 days from the scheduled time/,
    ],
    [
      'more carried ids than a follow-up input carries',
      () =>
        followUp({
          instances: { plain: ids(makeInstances(8001, { firstIndex: 1 })), hibernate: [] },
        }),
      /followUp.instances carries 8001 ids; at most 8000, each once/,
    ],
  ])('%s is rejected as a malformed event', async (_name, event, message) => {
    ec2.addInstances(makeInstances(5, { tags: OFFICE, state: 'stopped' }));
    ec2.addInstances(
      makeInstances(5, { tags: { [TAG]: 'lab' }, state: 'stopped', firstIndex: 11 }),
    );
    ec2.addInstances(makeInstances(5, { tags: { Owner: 'me' }, state: 'stopped', firstIndex: 21 }));
    const rt = world.runtime(RAISED_EC2_API_LIMITS);
    rt.setClock(new Date('2026-11-30T13:00:01Z'));

    const [run] = await rt.invoke(startSchedule().target.arn, event());

    expect(run.error?.name).toBe('MalformedEventError');
    expect(run.error?.message).toMatch(/^malformed event: /);
    expect(run.error?.message).toMatch(message);
    expect(ec2.requests).toHaveLength(0);
    expect(lambda.requests).toHaveLength(0);
  });
});

describe('point 7: follow-ups look again', () => {
  test('a follow-up leaves alone carried instances that were re-tagged, untagged or joined an Auto Scaling group since the previous run', async () => {
    // EC2's stop buckets (1,000 at once, then 20 a second) and 3 s runs: 1,100 instances need
    // follow-ups, which carry the last ids.
    ec2.setLimits({ timeScale: 1 });
    ec2.addInstances(makeInstances(1100, { tags: OFFICE, state: 'running' }));
    const [retagged, untagged, joined] = [1098, 1099, 1100].map(instanceIdFor);

    const { invocations } = await world.fire(
      world.runtime(undefined, 3000),
      stopSchedule(),
      MONDAY_MORNING,
      {
        beforeEach: (done) => {
          if (done.length !== 1) return;
          ec2.updateInstance(retagged, { tags: { [TAG]: 'lab' } });
          ec2.updateInstance(untagged, { tags: {} });
          ec2.updateInstance(joined, { tags: { ...OFFICE, 'aws:autoscaling:groupName': 'web' } });
        },
      },
    );

    const carried = (lambda.requests[0].payload as { followUp: { instances: { plain: string[] } } })
      .followUp.instances.plain;
    expect(carried).toEqual(expect.arrayContaining([retagged, untagged, joined]));
    expect(invocations.map((i) => i.error)).toEqual(invocations.map(() => undefined));
    for (const id of [retagged, untagged, joined]) {
      expect(ec2.instance(id)?.state).toBe('running');
      expect(ec2.instance(id)?.tags['Schedule:last-action']).toBeUndefined();
    }
    const touched = new Set(
      ec2.requests.filter((r) => r.action !== 'DescribeInstances').flatMap((r) => r.instanceIds),
    );
    expect([retagged, untagged, joined].filter((id) => touched.has(id))).toEqual([]);
    const followUpLines = instanceLogs(invocations.slice(1));
    expect(followUpLines.find((l) => l.instanceId === joined)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/Auto Scaling group/),
    });
    for (const id of [retagged, untagged]) {
      expect(followUpLines.find((l) => l.instanceId === id)).toMatchObject({
        outcome: 'skipped',
        reason: 'no longer tagged Schedule=office-hours and running',
      });
    }
    // The follow-ups looked by id, with the tag and state filters.
    const looks = world.calls('DescribeInstances').filter((r) => r.params['Filter.3.Name']);
    expect(looks.length).toBeGreaterThan(0);
    for (const look of looks) {
      expect(look.params).toMatchObject({
        'Filter.1.Name': 'tag:Schedule',
        'Filter.1.Value.1': 'office-hours',
        'Filter.2.Name': 'instance-state-name',
        'Filter.2.Value.1': 'running',
        'Filter.3.Name': 'instance-id',
      });
    }
    // Every other instance was stopped, once.
    expect(accepted('StopInstances')).toHaveLength(1097);
    expect(new Set(accepted('StopInstances')).size).toBe(1097);
  });
});

describe('point 8: readable error codes', () => {
  test('a proxy answering HTML 502 fails instances with HttpError502, and malformed XML while verifying is MalformedResponse', async () => {
    ec2.addInstances(makeInstances(3, { tags: OFFICE, state: 'stopped' }));
    ec2.injectFault({
      action: 'StartInstances',
      respond: {
        status: 502,
        contentType: 'text/html',
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
      },
    });

    const { invocations } = await world.fire(
      world.runtime(RAISED_EC2_API_LIMITS),
      startSchedule(),
      MONDAY_MORNING,
    );

    expect(invocations[0].error?.message).toMatch(/3 instance\(s\) failed to start/);
    const lines = instanceLogs(invocations);
    expect(lines.map((l) => l.errorCode)).toEqual(['HttpError502', 'HttpError502', 'HttpError502']);
  });

  test('malformed XML from a verification poll is MalformedResponse', async () => {
    ec2.settleMs = 60_000;
    ec2.addInstances(makeInstances(3, { tags: OFFICE, state: 'stopped' }));
    ec2.injectFault({
      action: 'DescribeInstances',
      when: (p) => p['Filter.2.Value.1'] === 'pending',
      respond: { status: 200, body: '<?xml version="1.0"?><DescribeInstancesResponse><item>' },
    });

    const { invocations } = await world.fire(
      world.runtime(RAISED_EC2_API_LIMITS),
      startSchedule(),
      MONDAY_MORNING,
    );

    expect(invocations[0].error).toBeUndefined();
    for (const line of instanceLogs(invocations)) {
      expect(line.reason).toMatch(/^not verified: DescribeInstances failed \(MalformedResponse\)/);
    }
  });
});
