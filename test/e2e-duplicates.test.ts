/**
 * End to end, through the shipped bundles: duplicate deliveries of one event (issue 19, point 3).
 * Two deliveries run at the same time in two execution environments (two child processes, each
 * with its own follow-up handling) against one loopback EC2 and one loopback DynamoDB holding the
 * synthesized deduplication table, reached through `AWS_ENDPOINT_URL_DYNAMODB` and the table
 * variable of the synthesized functions.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import {
  findSchedule,
  firingAfter,
  functionSpec,
  synthesize,
  type StackAssembly,
} from '../harness/assembly';
import { startGroupFakes } from '../harness/group-fakes';
import { startDynamoDbEndpoint, type DynamoDbEndpoint } from '../harness/dynamodb-endpoint';
import {
  ec2ApiLimits,
  Ec2Model,
  makeInstances,
  RAISED_EC2_API_LIMITS,
  type Ec2Endpoint,
} from '../harness/ec2';
import { startEc2Accounts } from '../harness/ec2/accounts';
import { startLambdaEndpoint } from '../harness/lambda-endpoint';
import { LambdaRuntime, type Invocation } from '../harness/lambda-runtime';
import { startStsEndpoint } from '../harness/sts-endpoint';
import { officeHoursBuilder } from './support/app';
import {
  E2eWorld,
  emfLines,
  ids,
  instanceLogs,
  MONDAY_MORNING,
  OFFICE,
  useE2eWorld,
} from './support/e2e';

jest.setTimeout(60_000);

let world: E2eWorld;
let stack: StackAssembly;
let ec2: Ec2Endpoint;
let dynamodb: DynamoDbEndpoint;

useE2eWorld(officeHoursBuilder('DuplicatesScheduler'), (started) => {
  world = started;
  ({ stack, ec2, dynamodb } = started);
});

const startSchedule = () => findSchedule(stack, 'office-hours', 'start');
/** The sum of a run metric over the invocations' EMF documents (per schedule and action). */
const sum = (invocations: readonly Invocation[], metric: string) =>
  emfLines(invocations)
    .filter((l) => 'Schedule' in l)
    .reduce((n, l) => n + ((l[metric] as number | undefined) ?? 0), 0);
/** Instance ids of the accepted StartInstances calls, one entry per start. */
const startedIds = () =>
  world
    .calls('StartInstances')
    .filter((r) => r.status === 200)
    .flatMap((r) => r.instanceIds);
/** The log lines' messages (not the EMF documents). */
const messages = (invocations: readonly Invocation[]) =>
  invocations
    .flatMap((i) => i.logs)
    .filter((l) => !('_aws' in l))
    .map((l) => String(l.message));

test('two concurrent deliveries of one start over 1,100 instances: one chain acts, the other returns as a duplicate; every instance started once, and counted once', async () => {
  // EC2's buckets, 20 times faster, 150 ms a call, 2 s a run: the 100 instances beyond the burst
  // of 1,000 wait for the refill, so the acting delivery hands them to a follow-up chain.
  ec2.setLimits({ timeScale: 20 });
  ec2.latencyMs = 150;
  ec2.addInstances(makeInstances(1100, { tags: OFFICE, state: 'stopped' }));
  const fleet = ids(makeInstances(1100, { firstIndex: 1 }));
  const rt = world.runtime(ec2ApiLimits(20, 1), 2000, { deduplication: true });

  const { deliveries } = await world.fireConcurrently(rt, startSchedule(), MONDAY_MORNING);

  const acting = deliveries.filter((d) => !(d[0].result as { duplicate?: string }).duplicate);
  const duplicates = deliveries.filter((d) => (d[0].result as { duplicate?: string }).duplicate);
  expect(acting).toHaveLength(1);
  expect(duplicates).toHaveLength(1);
  // The duplicate: one invocation, no error, nothing done, one line naming the key, no run metric.
  const [duplicate] = duplicates;
  expect(duplicate).toHaveLength(1);
  expect(duplicate[0].error).toBeUndefined();
  expect(duplicate[0].result).toEqual({
    duplicate: 'in progress',
    deduplicationKey: {
      action: 'start',
      schedule: 'office-hours',
      scheduledTime: '2026-11-30T13:00:00.000Z',
      enforcement: false,
    },
  });
  expect(messages(duplicate)).toEqual([
    'duplicate delivery: another invocation is running this event; nothing done',
  ]);
  expect(emfLines(duplicate).filter((l) => 'InstancesStarted' in l)).toEqual([]);
  expect(emfLines(duplicate).map((l) => l.DuplicateDeliveries)).toEqual([1]);

  // One chain: the first run and its follow-ups, attempts 1, 2, ... each queued once.
  const [chain] = acting;
  expect(chain.length).toBeGreaterThanOrEqual(2);
  expect(chain.map((i) => i.error)).toEqual(chain.map(() => undefined));
  expect(
    chain.slice(1).map((i) => (i.event as { followUp: { attempt: number } }).followUp.attempt),
  ).toEqual(chain.slice(1).map((_, k) => k + 1));
  // Every instance started once; InstancesStarted is the instances started.
  expect(startedIds().sort()).toEqual(fleet);
  expect(sum(chain, 'InstancesStarted')).toBe(1100);
  expect(sum(duplicate, 'InstancesStarted')).toBe(0);
  for (const i of ec2.instances()) expect(i.state).toBe('running');
  const startedLines = instanceLogs(chain).filter((l) => l.outcome === 'started');
  expect(startedLines.map((l) => l.instanceId).sort()).toEqual(fleet);
  // One record per run of the chain, each completed.
  const records = dynamodb.items(stack.tables[0].name);
  expect(records).toHaveLength(chain.length);
  expect(records.map((r) => r.status)).toEqual(chain.map(() => ({ S: 'COMPLETED' })));
});

test('a duplicate delivered after the run returns the stored summary and makes no EC2 call', async () => {
  ec2.addInstances(makeInstances(40, { tags: OFFICE, state: 'stopped' }));
  const rt = world.runtime(RAISED_EC2_API_LIMITS, undefined, { deduplication: true });
  const first = await world.fire(rt, startSchedule(), MONDAY_MORNING);
  expect(first.invocations[0].result).toMatchObject({ started: 40, failed: 0 });
  const calls = ec2.requests.length;

  const again = await world.fire(rt, startSchedule(), MONDAY_MORNING);

  expect(again.invocations).toHaveLength(1);
  expect(again.invocations[0].error).toBeUndefined();
  expect(again.invocations[0].result).toEqual(first.invocations[0].result);
  expect(ec2.requests.length).toBe(calls);
  expect(messages(again.invocations)).toEqual([
    'duplicate delivery: this event already ran; nothing done.',
  ]);
  expect(sum(again.invocations, 'InstancesStarted')).toBe(0);
});

test("a failed run's duplicate does not fail again", async () => {
  ec2.addInstances(makeInstances(5, { tags: OFFICE, state: 'stopped' }));
  const [bad] = ids(makeInstances(1, { firstIndex: 1 }));
  ec2.failInstance(bad, 'IncorrectInstanceState');
  const rt = world.runtime(RAISED_EC2_API_LIMITS, undefined, {
    deduplication: true,
    asyncRetries: 0,
  });
  const first = await world.fire(rt, startSchedule(), MONDAY_MORNING);
  expect(first.invocations[0].error?.message).toMatch(/^1 instance\(s\) failed to start/);

  const again = await world.fire(rt, startSchedule(), MONDAY_MORNING);

  expect(again.invocations[0].error).toBeUndefined();
  expect(again.invocations[0].result).toMatchObject({ started: 4, failed: 1 });
  expect(sum(again.invocations, 'InstancesFailed')).toBe(0);
  expect(messages(again.invocations)).toEqual([
    expect.stringMatching(
      /^duplicate delivery: this event already ran; nothing done. It failed, and the first delivery reported it: 1 instance\(s\) failed/,
    ),
  ]);
});

test('the store unavailable before the run: the run still starts every instance, and says the store was unavailable', async () => {
  ec2.addInstances(makeInstances(300, { tags: OFFICE, state: 'stopped' }));
  dynamodb.injectFault({ kind: 'unavailable' });
  const rt = world.runtime(RAISED_EC2_API_LIMITS, undefined, { deduplication: true });

  const { invocations } = await world.fire(rt, startSchedule(), MONDAY_MORNING);

  expect(invocations).toHaveLength(1);
  expect(invocations[0].error).toBeUndefined();
  expect(invocations[0].result).toMatchObject({ found: 300, started: 300, failed: 0 });
  expect(ec2.instances().every((i) => i.state === 'running')).toBe(true);
  const errors = invocations[0].logs.filter((l) => l.level === 'ERROR');
  expect(errors.map((l) => l.message)).toEqual([
    'deduplication store unavailable; running without it (a duplicate delivery may run as well)',
    'deduplication: could not record the run as done; a duplicate delivered later may run it again',
  ]);
  expect(errors[0].errorCode).toBe('InternalServerError');
  expect(
    emfLines(invocations).reduce((n, l) => n + Number(l.DeduplicationUnavailable ?? 0), 0),
  ).toBe(2);
  expect(sum(invocations, 'InstancesStarted')).toBe(300);
});

test('an event invoked by hand with the placeholder left in is not deduplicated', async () => {
  ec2.addInstances(makeInstances(3, { tags: OFFICE, state: 'stopped' }));
  const rt = world.runtime(RAISED_EC2_API_LIMITS, undefined, { deduplication: true });
  const raw = JSON.parse(startSchedule().input) as unknown;
  const first = await rt.invoke(startSchedule().target.arn, raw);
  const second = await rt.invoke(startSchedule().target.arn, raw);
  expect(first[0].result).toMatchObject({ started: 3 });
  expect(second[0].result).toMatchObject({ found: 0 });
  expect(dynamodb.requests).toEqual([]);
});

test("a hub: the schedule's run, its target follow-up and a duplicate of each have keys of their own", async () => {
  const A = '111111111111';
  const B = '222222222222';
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-dedup-hub-'));
  const hub = synthesize(outdir, (app) => {
    const s = new Stack(app, 'DedupHub', { env: { account: '123456789012', region: 'us-east-1' } });
    new Ec2Scheduler(s, 'Scheduler', {
      timeZone: 'America/New_York',
      targets: { accounts: [A, B], regions: ['us-east-1'] },
    }).addSchedule('office-hours', {
      start: 'cron(0 8 ? * MON-FRI *)',
      stop: 'cron(0 17 ? * MON-FRI *)',
    });
    return s;
  });
  const accounts = await startEc2Accounts();
  const sts = await startStsEndpoint();
  const lambda = await startLambdaEndpoint({ functions: hub.functions.map((f) => f.arn) });
  const ddb = await startDynamoDbEndpoint();
  for (const table of hub.tables) ddb.createTable(table);
  // A hub's runs list no groups (its targets' spoke roles schedule instances); its own account's Auto Scaling is empty.
  const groups = await startGroupFakes(new Ec2Model(Date.now));
  const rt = new LambdaRuntime(lambda);
  try {
    for (const account of [A, B]) {
      sts.allow(`arn:aws:iam::${account}:role/ec2-scheduler-spoke-start`);
      (await accounts.target(account, 'us-east-1')).addInstances(
        makeInstances(20, { tags: OFFICE, state: 'stopped', firstIndex: account === A ? 1 : 101 }),
      );
    }
    const start = findSchedule(hub, 'office-hours', 'start');
    rt.register(
      functionSpec(
        start.target,
        { ec2: accounts.url, lambda: lambda.url, ...groups.urls, dynamodb: ddb.url },
        {
          env: {
            AWS_ENDPOINT_URL_STS: sts.url,
            POWERTOOLS_DEV: 'true',
            EC2_API_LIMITS: RAISED_EC2_API_LIMITS,
          },
          captureLogs: true,
        },
      ),
    );
    const { at, payload } = firingAfter(start, MONDAY_MORNING);
    rt.setClock(new Date(at.getTime() + 1500));
    const [run] = await rt.invoke(start.target.arn, payload);
    expect(run.error).toBeUndefined();
    for (const account of [A, B]) {
      const office = (await accounts.target(account, 'us-east-1')).instances();
      expect(office.filter((i) => i.state === 'running')).toHaveLength(20);
    }

    // A follow-up in target A (as a run there hands one over), carrying instances stopped since.
    const targetA = await accounts.target(A, 'us-east-1');
    const later = makeInstances(5, { tags: OFFICE, state: 'stopped', firstIndex: 201 });
    targetA.addInstances(later);
    const followUp = {
      ...(payload as object),
      target: { account: A, region: 'us-east-1' },
      followUp: {
        attempt: 1,
        notAfter: '2026-11-30T22:00:00Z',
        instances: { plain: ids(later), hibernate: [] },
      },
    };
    const [followed] = await rt.invoke(start.target.arn, followUp);
    expect(followed.error).toBeUndefined();
    expect(followed.result).toMatchObject({ started: 5, account: A, region: 'us-east-1' });

    // Each delivered again: nothing done.
    const callsBefore = targetA.requests.length;
    const [again] = await rt.invoke(start.target.arn, payload);
    const [followedAgain] = await rt.invoke(start.target.arn, followUp);
    for (const duplicate of [again, followedAgain]) {
      expect(messages([duplicate])).toEqual([
        'duplicate delivery: this event already ran; nothing done.',
      ]);
    }
    expect(targetA.requests.length).toBe(callsBefore);
    expect(ddb.items(hub.tables[0].name)).toHaveLength(2);
  } finally {
    await rt.close();
    await Promise.all([accounts.close(), sts.close(), lambda.close(), ddb.close(), groups.close()]);
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
