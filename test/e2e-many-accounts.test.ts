/**
 * End to end, a hub across accounts and Regions: the shipped start bundle (its own process, as
 * Lambda runs it) fired with the synthesized schedule's input, against a loopback STS that lets
 * the hub assume the spoke start role in two accounts and denies it in a third, and a loopback EC2
 * that keeps every account and Region apart (instances, token buckets, faults), one Region
 * throttling hard. Then the hub's faults (issue 19): an STS that never answers, within a 12 s
 * budget, and a target follow-up whose AssumeRole is throttled.
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
import { startEc2Accounts, type Ec2Accounts } from '../harness/ec2/accounts';
import { startGroupFakes, type GroupFakes } from '../harness/group-fakes';
import { Ec2Model, makeInstances, RAISED_EC2_API_LIMITS } from '../harness/ec2';
import { startLambdaEndpoint, type LambdaEndpoint } from '../harness/lambda-endpoint';
import { LambdaRuntime } from '../harness/lambda-runtime';
import { startStsEndpoint, type StsEndpoint } from '../harness/sts-endpoint';
import { emfLines, MONDAY_MORNING, OFFICE } from './support/e2e';

jest.setTimeout(60_000);

const A = '111111111111';
const B = '222222222222';
const DENIED = '333333333333';
const REGIONS = ['us-east-1', 'eu-west-1'];
/** The spoke role the hub's start function assumes: `<spokeRoleName>-start`. */
const spokeRole = (account: string) => `arn:aws:iam::${account}:role/ec2-scheduler-spoke-start`;

let outdir: string;
let stack: StackAssembly;
let ec2: Ec2Accounts;
let sts: StsEndpoint;
let lambda: LambdaEndpoint;
let groups: GroupFakes;

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-hub-'));
  stack = synthesize(outdir, (app) => {
    const s = new Stack(app, 'Hub', { env: { account: '123456789012', region: 'us-east-1' } });
    new Ec2Scheduler(s, 'Scheduler', {
      timeZone: 'America/New_York',
      targets: { accounts: [A, B, DENIED], regions: REGIONS },
    }).addSchedule('office-hours', {
      start: 'cron(0 8 ? * MON-FRI *)',
      stop: 'cron(0 17 ? * MON-FRI *)',
    });
    return s;
  });
  ec2 = await startEc2Accounts();
  sts = await startStsEndpoint();
  lambda = await startLambdaEndpoint({ functions: stack.functions.map((f) => f.arn) });
  // A hub's runs list no groups (its targets' spoke roles schedule instances); its own account's Auto Scaling is empty.
  groups = await startGroupFakes(new Ec2Model(Date.now));
});

afterAll(async () => {
  await Promise.all([ec2?.close(), sts?.close(), lambda?.close(), groups?.close()]);
  fs.rmSync(outdir, { recursive: true, force: true });
});

beforeEach(() => {
  sts.reset();
  lambda.reset();
});

/** A runtime for the start function, with the loopback STS, `timeoutMs` (default the template's). */
function startRuntime(timeoutMs?: number) {
  const start = findSchedule(stack, 'office-hours', 'start');
  const rt = new LambdaRuntime(lambda);
  rt.register(
    functionSpec(
      start.target,
      { ec2: ec2.url, lambda: lambda.url, ...groups.urls },
      {
        // Raised bucket estimates, so the throttled Region recovers in seconds, not minutes.
        env: {
          AWS_ENDPOINT_URL_STS: sts.url,
          POWERTOOLS_DEV: 'true',
          POWERTOOLS_METRICS_DISABLED: 'false',
          EC2_API_LIMITS: RAISED_EC2_API_LIMITS,
        },
        timeoutMs,
        captureLogs: true,
      },
    ),
  );
  return { start, rt };
}

test('every instance in the healthy targets starts, one Region throttling hard; the denied spoke is reported and fails the invocation', async () => {
  sts.allow(spokeRole(A));
  sts.allow(spokeRole(B));
  // 150 stopped instances in each target (and in the denied account, which must stay stopped),
  // plus one of another schedule.
  let index = 1;
  for (const account of [A, B, DENIED]) {
    for (const region of REGIONS) {
      const target = await ec2.target(account, region);
      target.addInstances([
        ...makeInstances(150, { tags: OFFICE, state: 'stopped', firstIndex: index }),
        ...makeInstances(1, {
          tags: { Schedule: 'nights' },
          state: 'stopped',
          firstIndex: index + 500,
        }),
      ]);
      index += 1000;
    }
  }
  // B in eu-west-1 throttles hard: its first 4 start calls answer RequestLimitExceeded.
  const hard = await ec2.target(B, 'eu-west-1');
  hard.throttleNext(4, 'StartInstances');

  const { start, rt } = startRuntime();
  try {
    const { at, payload } = firingAfter(start, MONDAY_MORNING);
    rt.setClock(new Date(at.getTime() + 1500));
    const invocations = await rt.invoke(start.target.arn, payload);

    // Every instance of the schedule in A and B runs; nothing else changed.
    for (const account of [A, B]) {
      for (const region of REGIONS) {
        const instances = (await ec2.target(account, region)).instances();
        const office = instances.filter((i) => i.tags.Schedule === 'office-hours');
        expect({
          account,
          region,
          running: office.filter((i) => i.state === 'running').length,
        }).toEqual({ account, region, running: 150 });
        expect(instances.find((i) => i.tags.Schedule === 'nights')?.state).toBe('stopped');
      }
    }
    for (const region of REGIONS) {
      const untouched = (await ec2.target(DENIED, region)).instances();
      expect(untouched.every((i) => i.state === 'stopped')).toBe(true);
      expect((await ec2.target(DENIED, region)).requests).toEqual([]);
    }
    // The throttled Region was throttled, and still got there.
    expect(hard.requests.filter((r) => r.errorCode === 'RequestLimitExceeded').length).toBe(4);

    // The hub assumed each spoke role, the session named for the schedule.
    expect(new Set(sts.requests.map((r) => `${r.roleArn} ${r.sessionName} ${r.granted}`))).toEqual(
      new Set([
        `${spokeRole(A)} office-hours true`,
        `${spokeRole(B)} office-hours true`,
        `${spokeRole(DENIED)} office-hours false`,
      ]),
    );

    // The first invocation reported every target and failed naming the denied ones.
    const [first] = invocations;
    expect(first.error?.name).toBe('TargetsFailedError');
    expect(first.error?.message).toMatch(
      /^schedule "office-hours" start: 2 of 6 targets failed: 333333333333\/us-east-1: AccessDenied: .*; 333333333333\/eu-west-1: AccessDenied: /,
    );
    const failedLines = first.logs.filter((l) => l.message === 'target failed');
    expect(failedLines.map((l) => `${l.account}/${l.region}`).sort()).toEqual([
      `${DENIED}/eu-west-1`,
      `${DENIED}/us-east-1`,
    ]);
    // Every instance line carries its account and Region.
    const lines = invocations.flatMap((i) => i.logs).filter((l) => l.message === 'instance');
    expect(lines.every((l) => l.account !== undefined && l.region !== undefined)).toBe(true);
    const started = lines.filter((l) => l.outcome === 'started');
    expect(new Set(started.map((l) => `${l.account}/${l.region}/${l.instanceId}`)).size).toBe(600);
    // Follow-ups, if any, stayed in their target.
    for (const follow of invocations.slice(1)) {
      expect(follow.event).toMatchObject({ target: { account: expect.any(String) } });
    }
  } finally {
    await rt.close();
  }
});

test('a target whose STS never answers, with a 12 s budget: the run returns before its deadline with a "target failed" line (its cause), the other targets\' summaries and the hub\'s', async () => {
  sts.allow(spokeRole(A));
  sts.allow(spokeRole(B));
  sts.hang(spokeRole(DENIED));
  const { start, rt } = startRuntime(12_000);
  try {
    const { at, payload } = firingAfter(start, MONDAY_MORNING);
    rt.setClock(new Date(at.getTime() + 1500));
    const [first] = await rt.invoke(start.target.arn, payload);
    // Lambda would have ended an invocation still running at 12 s, with no report at all.
    expect(first.wallMs).toBeLessThan(12_000);
    expect(first.error?.name).toBe('TargetsFailedError');
    expect(first.error?.message).toMatch(
      /^schedule "office-hours" start: 2 of 6 targets failed: 333333333333\/us-east-1: AbortError: the invocation's deadline came before the spoke role was assumed/,
    );
    const failed = first.logs.filter((l) => l.message === 'target failed');
    expect(failed.map((l) => `${l.account}/${l.region} ${l.errorCode}`).sort()).toEqual([
      `${DENIED}/eu-west-1 AbortError`,
      `${DENIED}/us-east-1 AbortError`,
    ]);
    const summaries = first.logs.filter((l) => l.message === 'summary');
    expect(summaries.map((l) => `${l.account}/${l.region}`).sort()).toEqual(
      [A, B].flatMap((a) => REGIONS.map((r) => `${a}/${r}`)).sort(),
    );
    expect(first.logs.filter((l) => l.message === 'targets')).toHaveLength(1);
    // The hung role was asked (and retried after each request timeout), never answered.
    const hung = sts.requests.filter((r) => r.roleArn === spokeRole(DENIED));
    expect(hung.length).toBeGreaterThanOrEqual(2);
    expect(hung.every((r) => r.fault === 'hang')).toBe(true);
  } finally {
    await rt.close();
  }
});

test('a target follow-up whose AssumeRole stays throttled: its 3 carried instances fail with the cause, the 7 earlier failures are named, and lines, summary and metrics are written', async () => {
  sts.throttle(spokeRole(A));
  const carried = ['i-0aaaaaaaaaaaaaa01', 'i-0aaaaaaaaaaaaaa02', 'i-0aaaaaaaaaaaaaa03'];
  const earlier = Array.from({ length: 7 }, (_, i) => ({
    instanceId: `i-0bbbbbbbbbbbbbb0${i + 1}`,
    errorCode: 'InsufficientInstanceCapacity',
  }));
  const { start, rt } = startRuntime();
  try {
    const { at, payload } = firingAfter(start, MONDAY_MORNING);
    rt.setClock(new Date(at.getTime() + 60_000));
    const event = {
      ...(payload as Record<string, unknown>),
      target: { account: A, region: 'us-east-1' },
      followUp: {
        attempt: 3,
        notAfter: new Date(at.getTime() + 9 * 3600_000).toISOString(),
        instances: { plain: carried, hibernate: [] },
        failures: { count: 7, first: earlier },
      },
    };
    const [run] = await rt.invoke(start.target.arn, event);
    // The SDK retried the throttled call before giving up.
    expect(sts.requests.filter((r) => r.fault === 'throttle').length).toBeGreaterThan(1);
    expect(run.error?.name).toBe('RunFailedError');
    const cause = 'the spoke role could not be assumed: Throttling: Rate exceeded';
    expect(run.error?.message).toBe(
      `10 instance(s) failed to start for schedule "office-hours" (7 in earlier runs of this chain): ${[
        ...earlier.map((f) => `${f.instanceId} (InsufficientInstanceCapacity)`),
        ...carried.map((id) => `${id} (Throttling)`),
      ].join(', ')}; schedule "office-hours": run failed: Throttling: ${cause}`,
    );
    const lines = run.logs.filter((l) => l.message === 'instance');
    expect(lines.map((l) => [l.instanceId, l.outcome, l.errorCode, l.account])).toEqual(
      carried.map((id) => [id, 'failed', 'Throttling', A]),
    );
    expect(run.logs.find((l) => l.message === 'summary')).toMatchObject({
      account: A,
      region: 'us-east-1',
      failed: 3,
      earlierFailures: { count: 7 },
    });
    const failedMetric = emfLines([run]).find((l) => l.Account === A && 'InstancesFailed' in l);
    expect(failedMetric).toMatchObject({ InstancesFailed: 3, Region: 'us-east-1' });
  } finally {
    await rt.close();
  }
});
