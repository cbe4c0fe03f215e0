import { DescribeInstancesCommand, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { deploymentFromEnv, MalformedEventError } from '../lib/contract/schedule-input-parser';
import { EC2_DEFAULT_LIMITS, type Ec2Limits } from '../lambda/run/pacer';
import { handle, MAX_CARRIED, RunFailedError, RunSummary } from '../lambda/handle';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import { instanceIdFor } from '../harness/ec2';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import {
  depsFor,
  FIFTEEN_MINUTES,
  officeHoursEvent,
  runEvent,
  TestDeps,
  UNLIMITED,
  WITH_OPERATIONS,
} from './support/runs';

let fake: InProcessEc2;

afterEach(() => fake?.restore());

function setup(
  limits = UNLIMITED,
  level?: { start?: number; stop?: number },
  latencyMs?: number,
): InProcessEc2 {
  fake = new InProcessEc2(new VirtualClock(), undefined, latencyMs);
  fake.setLimits(limits, level);
  return fake;
}

const run = (event: SchedulerEvent, budgetMs = FIFTEEN_MINUTES, limits = UNLIMITED) =>
  runEvent(fake, event, { budgetMs, limits });

/** Runs the event, then every follow-up it queues, as Lambda would. */
async function runChain(event: SchedulerEvent, budgetMs: number, limits = EC2_DEFAULT_LIMITS) {
  const summaries: RunSummary[] = [];
  let next: SchedulerEvent | undefined = event;
  while (next) {
    const { summary, deps } = await run(next, budgetMs, limits);
    summaries.push(summary);
    next = deps.followUps[0];
  }
  return summaries;
}

function outcomes(deps: TestDeps): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of deps.logger.lines) {
    if (line.message === 'instance') {
      out[line.attributes?.instanceId as string] = line.attributes?.outcome as string;
    }
  }
  return out;
}

describe('finding instances', () => {
  test('lists 2,500 tagged instances over 3 pages with the tag and state filters, and starts them all in 3 calls', async () => {
    setup();
    fake.add(2500);
    fake.add(40, { tags: { Schedule: 'other' } });
    fake.add(30, { state: 'running' });

    const { summary } = await run(officeHoursEvent());

    const describes = fake.mock.commandCalls(DescribeInstancesCommand);
    expect(describes).toHaveLength(3);
    for (const call of describes) {
      expect(call.args[0].input).toMatchObject({
        MaxResults: 1000,
        Filters: [
          { Name: 'tag:Schedule', Values: ['office-hours'] },
          // Stopping instances too, since issue 19: they are started once stopped.
          { Name: 'instance-state-name', Values: ['stopped', 'stopping'] },
        ],
      });
    }
    expect(fake.actionCalls().map((c) => c.ids.length)).toEqual([1000, 1000, 500]);
    expect(summary).toMatchObject({ found: 2500, started: 2500, failed: 0, deferred: 0 });
    expect(fake.count('running')).toBe(2530);
    expect(fake.instances().filter((i) => i.tags.Schedule === 'other')).toEqual(
      expect.arrayContaining([expect.objectContaining({ state: 'stopped' })]),
    );
  });

  // Changed with issue 19: pending instances were left alone (and ran all night); now they are
  // listed too, waited for, and stopped once running.
  test('stop lists running instances and those pending, and stops the pending ones once they run', async () => {
    setup();
    fake.add(5, { state: 'running' });
    const pending = fake.add(3);
    fake.settleMs = 30_000;
    for (const id of pending) fake.call({ action: 'StartInstances', instanceIds: [id] });
    const { summary } = await run(officeHoursEvent({ action: 'stop' }));
    expect(
      fake.mock.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters,
    ).toContainEqual({
      Name: 'instance-state-name',
      Values: ['running', 'pending'],
    });
    expect(summary).toMatchObject({ found: 8, stopped: 8, inTransit: 3 });
    fake.settleAll();
    expect(fake.count('stopped')).toBe(8);
  });
});

describe("pacing to EC2's token buckets", () => {
  test('start calls go one at a time: 1,000 at once, then no faster than 2 a second', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1300);
    const t0 = fake.clock.now();

    const { summary } = await run(officeHoursEvent(), FIFTEEN_MINUTES, EC2_DEFAULT_LIMITS);

    expect(summary).toMatchObject({ started: 1300, failed: 0, throttledCalls: 0 });
    expect(fake.maxConcurrent).toBe(1);
    const calls = fake.actionCalls();
    expect(calls[0].ids).toHaveLength(1000);
    expect(calls.every((c) => c.error === undefined)).toBe(true);
    // 300 more at 2/s: 150 s is the floor the buckets allow.
    const elapsed = (fake.clock.now() - t0) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(150 * 1.1);
  });

  test('a throttled 1,000-id batch shrinks, and every instance still starts', async () => {
    // Another run drained the account's bucket to 300 instance tokens.
    setup(EC2_DEFAULT_LIMITS, { start: 300 });
    fake.add(1200);

    const { summary, deps } = await run(officeHoursEvent(), 60 * 60_000, EC2_DEFAULT_LIMITS);

    const calls = fake.actionCalls();
    expect(calls[0]).toMatchObject({ ids: expect.any(Array), error: 'RequestLimitExceeded' });
    expect(calls[0].ids).toHaveLength(1000);
    expect(calls[1].ids.length).toBeLessThan(1000);
    expect(summary).toMatchObject({ started: 1200, failed: 0, deferred: 0 });
    expect(summary.throttledCalls).toBeLessThanOrEqual(calls.length * 0.1);
    expect(fake.count('running')).toBe(1200);
    expect(deps.logger.lines.some((l) => l.message.startsWith('throttled'))).toBe(true);
  });

  test('stops use the stop buckets: 1,000 at once, then 20 a second', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(3000, { state: 'running' });
    const t0 = fake.clock.now();
    const { summary } = await run(
      officeHoursEvent({ action: 'stop' }),
      FIFTEEN_MINUTES,
      EC2_DEFAULT_LIMITS,
    );
    expect(summary).toMatchObject({ stopped: 3000, throttledCalls: 0 });
    const elapsed = (fake.clock.now() - t0) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(110);
  });
});

describe('deadline and follow-up runs', () => {
  test('a run that reaches its deadline defers the rest, and the follow-ups finish them', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(3000);

    const summaries = await runChain(officeHoursEvent(), 5 * 60_000);

    const [first] = summaries;
    expect(first.started).toBeGreaterThanOrEqual(1000);
    expect(first.deferred).toBe(3000 - first.started);
    expect(first.followUp).toEqual({ attempt: 1, notAfter: '2026-11-30T22:00:00.000Z' });
    expect(summaries.length).toBeGreaterThan(2);
    expect(summaries.reduce((n, s) => n + s.started, 0)).toBe(3000);
    expect(summaries.every((s) => s.failed === 0)).toBe(true);
    expect(fake.count('running')).toBe(3000);
  });

  test('a run given 4 seconds still does about 4 seconds of work', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1200);
    const { summary, deps } = await run(officeHoursEvent(), 4000, EC2_DEFAULT_LIMITS);
    expect(summary.started).toBeGreaterThanOrEqual(1000);
    expect(summary.started + summary.deferred).toBe(1200);
    expect(deps.followUps).toHaveLength(1);
    expect(deps.followUps[0].followUp?.buckets?.resource).toBeLessThan(20);
  });

  test('the follow-up carries the same schedule input', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1100);
    const event = officeHoursEvent({ skipDates: ['2026-12-25'] });
    const { deps } = await run(event, 10_000, EC2_DEFAULT_LIMITS);
    const { followUp, ...rest } = deps.followUps[0];
    expect(rest).toEqual(event);
    expect(followUp).toMatchObject({ attempt: 1, notAfter: '2026-11-30T22:00:00.000Z' });
  });

  test('the follow-up acts on the instances it was handed, looking at them again by id instead of listing', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1100);
    const { deps } = await run(officeHoursEvent(), 10_000, EC2_DEFAULT_LIMITS);
    const carried = deps.followUps[0].followUp?.instances;
    expect(carried?.hibernate).toEqual([]);
    expect(carried?.plain.length).toBe(1100 - fake.count('running'));

    const describesBefore = fake.describeCalls().length;
    const { summary } = await run(deps.followUps[0], FIFTEEN_MINUTES, EC2_DEFAULT_LIMITS);
    // Changed with issue 9 (follow-ups look again): no listing, only the carried ids, by id.
    const looks = fake.describeCalls().slice(describesBefore);
    expect(looks.length).toBeGreaterThan(0);
    expect(looks.flatMap((c) => c.ids).sort()).toEqual([...(carried?.plain ?? [])].sort());
    expect(summary).toMatchObject({ found: carried?.plain.length, failed: 0, deferred: 0 });
    expect(fake.count('running')).toBe(1100);
  });

  test('a run whose listing is cut short hands on what it listed, and a later run lists the rest', async () => {
    setup(UNLIMITED, undefined, 600);
    fake.add(3000);
    // 1.5 s with 0.6 s calls: two of three pages listed, then no time for the third.
    const deps = depsFor(fake, 1500, UNLIMITED);
    const summary = await handle(officeHoursEvent(), 'start', deps);
    expect(summary.found).toBe(2000);
    expect(summary.started + summary.deferred).toBe(2000);
    expect(deps.followUps[0].followUp).toMatchObject({ relist: true });
    const chain = await runChain(deps.followUps[0], 1500, UNLIMITED);
    expect(chain.every((s) => s.failed === 0)).toBe(true);
    expect(fake.count('running')).toBe(3000);
  });

  test('short runs with slow calls still make progress every time', async () => {
    setup(EC2_DEFAULT_LIMITS, undefined, 150);
    fake.add(1050);
    const chain = await runChain(officeHoursEvent(WITH_OPERATIONS), 1000, EC2_DEFAULT_LIMITS);
    // The 50 beyond EC2's burst of 1,000 need 25 s of refill at 2 a second: dozens of 1 s runs,
    // and every one of them starts something.
    expect(chain.length).toBeLessThanOrEqual(60);
    expect(chain.slice(0, -1).every((s) => s.started > 0)).toBe(true);
    expect(fake.count('running')).toBe(1050);
  });

  test('more deferred instances than an input can carry are listed again by the follow-up', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(MAX_CARRIED + 1500);
    const { summary, deps } = await run(officeHoursEvent(), 10_000, EC2_DEFAULT_LIMITS);
    expect(summary.deferred).toBeGreaterThan(MAX_CARRIED);
    expect(deps.followUps[0].followUp?.instances).toBeUndefined();
  });

  test('a follow-up never runs past the next opposite transition', async () => {
    setup();
    fake.add(10);
    // Delivered a second after the schedule's stop (a notAfter before the scheduled time is
    // malformed since issue 9, so the clock moves instead).
    fake.clock.at = Date.parse('2026-11-30T22:00:01Z');
    const late = officeHoursEvent({
      followUp: { attempt: 3, notAfter: '2026-11-30T22:00:00.000Z' },
    });
    const error = await run(late).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as RunFailedError).summary).toMatchObject({ failed: 10, started: 0 });
    expect((error as RunFailedError).summary.failures[0].errorCode).toBe('WindowClosed');
    expect(fake.mock.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  test("a run stops starting instances when the schedule's stop comes first", async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1300);
    // Fired at 16:58:20 New York time; the stop is at 17:00, 100 s later.
    fake.clock.at = Date.parse('2026-11-30T21:58:20Z');
    fake.setLimits(EC2_DEFAULT_LIMITS);
    const event = officeHoursEvent({ scheduledTime: '2026-11-30T21:58:20.000Z' });
    const error = await run(event, FIFTEEN_MINUTES, EC2_DEFAULT_LIMITS).catch((e: unknown) => e);
    const summary = (error as RunFailedError).summary;
    expect(summary.started).toBeGreaterThanOrEqual(1000 + 180);
    expect(summary.started).toBeLessThan(1300);
    expect(summary.started + summary.failed).toBe(1300);
    expect(summary.failures[0].errorCode).toBe('WindowClosed');
    expect(fake.actionCalls().every((c) => c.at <= Date.parse('2026-11-30T22:00:00Z'))).toBe(true);
  });

  test('deferred instances whose follow-up cannot be queued are failed, not lost', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1100);
    const deps = depsFor(fake, 10_000, EC2_DEFAULT_LIMITS);
    const error = await handle(officeHoursEvent(), 'start', {
      ...deps,
      followUp: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      },
    }).catch((e: unknown) => e);
    const summary = (error as RunFailedError).summary;
    expect(summary.started + summary.failed).toBe(1100);
    expect(summary.failures[0].errorCode).toBe('FollowUpFailed');
  });
});

describe('isolating failures', () => {
  test('one failing instance is isolated while the other 2,499 start, and the run fails', async () => {
    setup();
    fake.add(2500);
    const bad = instanceIdFor(1234);
    fake.failInstance(bad, 'InsufficientInstanceCapacity');

    const error = await run(officeHoursEvent()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as Error).message).toContain(`${bad} (InsufficientInstanceCapacity)`);
    const summary = (error as RunFailedError).summary;
    expect(summary).toMatchObject({ started: 2499, failed: 1, deferred: 0 });
    expect(summary.failures).toEqual([
      { instanceId: bad, errorCode: 'InsufficientInstanceCapacity', message: expect.any(String) },
    ]);
    expect(fake.count('running')).toBe(2499);
    // Bisection: about 2 log2(1000) extra calls, not one per instance.
    expect(fake.actionCalls().length).toBeLessThanOrEqual(3 + 2 * 10 + 2);
  });

  test('an instance terminated since the listing is skipped, not failed', async () => {
    setup();
    const ids = fake.add(3);
    fake.failInstance(ids[1], 'InvalidInstanceID.NotFound');
    const { summary, deps } = await run(officeHoursEvent());
    expect(summary).toMatchObject({ started: 2, skipped: 1, failed: 0 });
    expect(outcomes(deps)[ids[1]]).toBe('skipped');
  });
});

describe('what is never touched', () => {
  test('stop skips Auto Scaling group members, spot and instance-store instances', async () => {
    setup();
    const [plain] = fake.add(1, { state: 'running' });
    const [asg] = fake.add(1, {
      state: 'running',
      tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'web' },
    });
    const [spot] = fake.add(1, { state: 'running', lifecycle: 'spot' });
    const [store] = fake.add(1, { state: 'running', rootDeviceType: 'instance-store' });

    const { summary, deps } = await run(officeHoursEvent({ action: 'stop' }));

    expect(summary).toMatchObject({ stopped: 1, skipped: 3, failed: 0 });
    expect(outcomes(deps)).toEqual({
      [plain]: 'stopped',
      [asg]: 'skipped',
      [spot]: 'skipped',
      [store]: 'skipped',
    });
    expect(fake.actionCalls().flatMap((c) => c.ids)).toEqual([plain]);
    const reasons = deps.logger.lines
      .filter((l) => l.attributes?.outcome === 'skipped')
      .map((l) => l.attributes?.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/Auto Scaling group/),
      expect.stringMatching(/spot/),
      expect.stringMatching(/instance-store/),
    ]);
  });

  test('start skips Auto Scaling group members but starts spot instances', async () => {
    setup();
    const [asg] = fake.add(1, {
      tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'web' },
    });
    const [spot] = fake.add(1, { lifecycle: 'spot' });
    const { deps } = await run(officeHoursEvent());
    expect(outcomes(deps)).toEqual({ [asg]: 'skipped', [spot]: 'started' });
  });
});

describe('hibernate', () => {
  test('hibernates configured instances and stops the others plainly', async () => {
    setup();
    const hib = fake.add(3, { state: 'running', hibernationConfigured: true });
    const plain = fake.add(2, { state: 'running' });
    const { summary } = await run(officeHoursEvent({ action: 'stop', hibernate: true }));
    expect(summary).toMatchObject({ stopped: 5, failed: 0 });
    expect(fake.actionCalls().map((c) => ({ ids: c.ids, hibernate: c.hibernate }))).toEqual([
      { ids: hib, hibernate: true },
      { ids: plain, hibernate: false },
    ]);
  });

  test('falls back to a plain stop when EC2 refuses hibernation for one instance', async () => {
    setup();
    const ids = fake.add(4, { state: 'running', hibernationConfigured: true });
    fake.updateInstance(ids[2], { hibernationConfigured: false, describedHibernation: true });
    const { summary, deps } = await run(officeHoursEvent({ action: 'stop', hibernate: true }));
    expect(summary).toMatchObject({ stopped: 4, failed: 0 });
    const line = deps.logger.lines.find((l) => l.attributes?.instanceId === ids[2]);
    expect(line?.attributes).toMatchObject({
      outcome: 'stopped',
      reason: expect.stringMatching(/hibernation refused/),
    });
    const fallback = fake.actionCalls().filter((c) => c.ids.includes(ids[2]) && !c.hibernate);
    expect(fallback.map((c) => [c.ids, c.error])).toEqual([[[ids[2]], undefined]]);
    expect(
      fake
        .actionCalls()
        .filter((c) => !c.hibernate)
        .flatMap((c) => c.ids),
    ).toEqual([ids[2]]);
  });

  test('without hibernate: true, configured instances get a plain stop', async () => {
    setup();
    fake.add(2, { state: 'running', hibernationConfigured: true });
    await run(officeHoursEvent({ action: 'stop' }));
    expect(fake.actionCalls().every((c) => !c.hibernate)).toBe(true);
  });
});

describe('skip dates', () => {
  // Auckland is UTC+13 in December: 11:30Z on the 24th is 00:30 on the 25th there.
  const auckland = (scheduledTime: string, action: 'start' | 'stop' = 'start') =>
    officeHoursEvent({
      action,
      timeZone: 'Pacific/Auckland',
      skipDates: ['2026-12-25'],
      scheduledTime,
    });

  test('no start on a local skip date that is still the day before in UTC', async () => {
    setup();
    fake.add(5);
    const { summary } = await run(auckland('2026-12-24T11:30:00Z'));
    expect(summary).toMatchObject({ skipDate: '2026-12-25', started: 0 });
    expect(fake.calls).toHaveLength(0);
  });

  test('starts half an hour earlier, when it is still the 24th locally', async () => {
    setup();
    fake.add(5);
    const { summary } = await run(auckland('2026-12-24T10:30:00Z'));
    expect(summary.started).toBe(5);
  });

  test('stops always run, skip date or not', async () => {
    setup();
    fake.add(5, { state: 'running' });
    const { summary } = await run(auckland('2026-12-24T11:30:00Z', 'stop'));
    expect(summary.stopped).toBe(5);
  });
});

describe('dry run', () => {
  test('reports what it would do without starting or stopping anything', async () => {
    setup();
    fake.add(1500);
    fake.add(1, { tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'x' } });
    const { summary, deps } = await run(officeHoursEvent({ dryRun: true }));
    expect(fake.actionCalls()).toHaveLength(0);
    expect(summary).toMatchObject({ dryRun: true, found: 1501, started: 1500, skipped: 1 });
    expect(fake.count('stopped')).toBe(1501);
    expect(deps.logger.lines.find((l) => l.message === 'instance')?.attributes).toMatchObject({
      dryRun: true,
    });
  });
});

describe('malformed events', () => {
  const base = officeHoursEvent() as unknown as Record<string, unknown>;
  test.each<[string, unknown, RegExp]>([
    ['not an object', 'start', /expected a JSON object/],
    ['null', null, /expected a JSON object/],
    [
      'wrong action',
      { ...base, action: 'stop' },
      /action "stop" does not match this function, which only runs "start"/,
    ],
    [
      'missing schedule',
      { ...base, schedule: undefined },
      /schedule undefined must be a non-empty string/,
    ],
    ['empty tag key', { ...base, tagKey: '' }, /tagKey "" must be a non-empty string/],
    [
      'unknown time zone',
      { ...base, timeZone: 'Mars/Olympus' },
      /timeZone "Mars\/Olympus" is not an IANA time zone/,
    ],
    [
      'skip date not a date',
      { ...base, skipDates: ['2026-02-30'] },
      /skipDates\[0\] "2026-02-30" is not a real date/,
    ],
    [
      'skip dates not a list',
      { ...base, skipDates: '2026-12-25' },
      /skipDates "2026-12-25" must be a list of dates/,
    ],
    [
      'hibernate not boolean',
      { ...base, hibernate: 'yes' },
      /hibernate "yes" must be true or false/,
    ],
    [
      'bad opposite cron',
      { ...base, opposites: ['cron(0 25 ? * MON-FRI *)'] },
      /opposites\[0\] "cron\(0 25 \? \* MON-FRI \*\)" has hour 25/,
    ],
    [
      'bad scheduled time',
      { ...base, scheduledTime: 'yesterday' },
      /scheduledTime "yesterday" is not an ISO 8601 time/,
    ],
    [
      'bad follow-up attempt',
      { ...base, followUp: { attempt: 0, notAfter: '2026-11-30T22:00:00Z' } },
      /followUp.attempt 0 must be a whole number of at least 1/,
    ],
    ['unknown version', { ...base, version: 2 }, /version 2 is not supported/],
  ])('%s is rejected before any API call', async (_name, event, message) => {
    setup();
    fake.add(3);
    const deps = depsFor(fake, FIFTEEN_MINUTES);
    const error = await handle(event, 'start', deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as Error).message).toMatch(message);
    expect(fake.mock.calls()).toHaveLength(0);
  });

  test('the scheduled-time placeholder left in by a manual invoke means "now"', async () => {
    setup();
    fake.add(2);
    const { summary } = await run(
      officeHoursEvent({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
    );
    expect(summary.started).toBe(2);
  });
});

test('the summary accounts for every instance exactly once, with one log line each', async () => {
  setup();
  fake.add(20);
  fake.add(2, { tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'g' } });
  fake.failInstance(instanceIdFor(7), 'IncorrectInstanceState');
  const deps = depsFor(fake, FIFTEEN_MINUTES, UNLIMITED);
  const error = (await handle(officeHoursEvent(), 'start', deps).catch(
    (e: unknown) => e,
  )) as RunFailedError;
  const s = error.summary;
  expect(s).toMatchObject({ found: 22, started: 19, skipped: 2, failed: 1 });
  expect(s.started + s.stopped + s.skipped + s.deferred + s.failed).toBe(22);
  const lines = deps.logger.lines.filter((l) => l.message === 'instance');
  expect(lines).toHaveLength(22);
  expect(new Set(lines.map((l) => l.attributes?.instanceId)).size).toBe(22);
  expect(deps.logger.lines.at(-1)).toMatchObject({ message: 'summary', attributes: { failed: 1 } });
});

describe('one chain, one report (issue 9)', () => {
  /** Runs the chain as Lambda would, without retries: each run's error is kept, not thrown. */
  async function chainOf(event: SchedulerEvent, budgetMs: number, limits = EC2_DEFAULT_LIMITS) {
    const runs: { summary: RunSummary; error?: RunFailedError; deps: TestDeps }[] = [];
    let next: SchedulerEvent | undefined = event;
    while (next) {
      const deps = depsFor(fake, budgetMs, limits);
      const ran: RunSummary | RunFailedError = await handle(next, next.action, deps).catch(
        (e: unknown) => e as RunFailedError,
      );
      runs.push(
        ran instanceof RunFailedError
          ? { summary: ran.summary, error: ran, deps }
          : { summary: ran, deps },
      );
      next = deps.followUps[0];
    }
    return runs;
  }

  test('a run that queued its follow-up never fails; its failures go forward and the last run fails naming them', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1300);
    // Reached after the burst, by a run that still has work to hand over.
    const bad = instanceIdFor(1001);
    fake.failInstance(bad, 'IncorrectInstanceState');

    const runs = await chainOf(officeHoursEvent(), 60_000);

    const failedIn = runs.findIndex((r) => r.summary.failures.some((f) => f.instanceId === bad));
    expect(runs[failedIn].summary.followUp).toBeDefined();
    expect(runs.slice(0, -1).map((r) => r.error)).toEqual(runs.slice(0, -1).map(() => undefined));
    const last = runs[runs.length - 1];
    expect(last.summary.followUp).toBeUndefined();
    expect(last.summary.earlierFailures).toEqual({
      count: 1,
      first: [{ instanceId: bad, errorCode: 'IncorrectInstanceState' }],
    });
    expect(last.error?.message).toBe(
      `1 instance(s) failed to start for schedule "office-hours" (1 in earlier runs of this chain): ${bad} (IncorrectInstanceState)`,
    );
    // Each instance counted once over the chain.
    expect(runs.reduce((n, r) => n + r.summary.started, 0)).toBe(1299);
    expect(runs.reduce((n, r) => n + r.summary.failed, 0)).toBe(1);
  });

  test('a verification fault still hands the unreached instances to a follow-up', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1300, { pendingMs: Infinity });
    // The listing answers; every later DescribeInstances (the verification polls) fails.
    fake.injectFault({
      action: 'DescribeInstances',
      skip: 2,
      respond: { code: 'RequestLimitExceeded' },
    });

    const { summary, deps } = await run(
      officeHoursEvent(WITH_OPERATIONS),
      60_000,
      EC2_DEFAULT_LIMITS,
    );

    expect(summary.started).toBeGreaterThanOrEqual(1000);
    expect(summary.deferred).toBe(1300 - summary.started);
    expect(summary.unverified).toBe(summary.started);
    expect(deps.followUps).toHaveLength(1);
    const reasons = new Set(
      deps.logger.lines
        .filter((l) => l.attributes?.outcome === 'started')
        .map((l) => l.attributes?.reason),
    );
    expect([...reasons]).toEqual([
      expect.stringMatching(/^not verified: DescribeInstances failed \(RequestLimitExceeded\)/),
    ]);
  });

  test('runs that reach no instance end the chain after a few, failing what is left with the cause', async () => {
    setup(UNLIMITED, undefined, 2000);
    fake.add(5);
    // Every call takes 2 s and each run has 1.5 s: no run can look again and act.
    const runs = await chainOf(
      officeHoursEvent({
        followUp: {
          attempt: 1,
          notAfter: '2026-11-30T22:00:00.000Z',
          instances: { plain: [1, 2, 3, 4, 5].map(instanceIdFor), hibernate: [] },
        },
      }),
      1500,
      UNLIMITED,
    );
    expect(runs).toHaveLength(5);
    expect(runs[4].error?.message).toMatch(/\(Stalled\)/);
    expect(runs[4].summary.failures[0].message).toMatch(
      /^5 runs in a row reached no instance: .*give the functions a longer timeout$/,
    );
  });
});

describe('a bad instance costs seconds (issue 9)', () => {
  /** Starts 1,000 instances at EC2's limits, the last of which lacks capacity: the run's error. */
  function lastOf1000LacksCapacity() {
    fake.add(1000);
    fake.failInstance(instanceIdFor(1000), 'InsufficientInstanceCapacity');
    return run(officeHoursEvent(), FIFTEEN_MINUTES, EC2_DEFAULT_LIMITS).catch(
      (e: unknown) => e as RunFailedError,
    );
  }

  test('an error that names the instance sets it apart at once: one failed call, then the rest in one', async () => {
    setup();
    fake.add(1000);
    const bad = instanceIdFor(500);
    fake.failInstance(bad, 'IncorrectInstanceState');
    const error = await run(officeHoursEvent()).catch((e: unknown) => e as RunFailedError);
    expect((error as RunFailedError).summary).toMatchObject({ started: 999, failed: 1 });
    expect(fake.actionCalls().map((c) => [c.ids.length, c.error])).toEqual([
      [1000, 'IncorrectInstanceState'],
      [999, undefined],
    ]);
  });

  test('failed calls are charged to the pacer as EC2 may charge them: isolating one bad instance among 1,000 costs at most one throttled call, the probe that finds out', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.chargeFailedCalls = true;

    const error = await lastOf1000LacksCapacity();

    expect((error as RunFailedError).summary).toMatchObject({
      started: 999,
      failed: 1,
      deferred: 0,
      throttledCalls: 1,
    });
    // The call after the failed 1,000 counts on their tokens once, and is refused: from then on
    // batches follow the refill, and the bad one costs a few small calls.
    const calls = fake.actionCalls();
    expect(calls[0]).toMatchObject({ error: 'InsufficientInstanceCapacity' });
    expect(calls[0].ids).toHaveLength(1000);
    expect(calls[1]).toMatchObject({ error: 'RequestLimitExceeded' });
    // Parts of the failed batch of about sqrt(1,000) ids (issue 19), each paid in full.
    expect(calls.slice(2).every((c) => c.ids.length <= 32)).toBe(true);
    expect(calls.slice(2).filter((c) => c.error === 'RequestLimitExceeded')).toEqual([]);
  });

  test('when EC2 keeps no tokens for failed calls, the probe finds out and the other 999 start within the burst', async () => {
    setup(EC2_DEFAULT_LIMITS);

    const error = await lastOf1000LacksCapacity();

    expect((error as RunFailedError).summary).toMatchObject({
      started: 999,
      failed: 1,
      throttledCalls: 0,
    });
    // Halving down to the bad one, within the 1,000 instance tokens: about 2 log2(1,000) calls.
    expect(fake.actionCalls().length).toBeLessThanOrEqual(2 * 10 + 2);
  });
});

describe('isolating one instance that lacks capacity among 1,000 of its type and zone (issue 19)', () => {
  /** EC2's documented buckets with every refill `times` faster (an account with raised rates). */
  const refillTimes = (times: number): Ec2Limits => {
    const faster = (b: { capacity: number; refillPerSecond: number }) => ({
      capacity: b.capacity,
      refillPerSecond: b.refillPerSecond * times,
    });
    const { start, stop } = EC2_DEFAULT_LIMITS;
    return {
      start: { request: faster(start.request), resource: faster(start.resource) },
      stop: { request: faster(stop.request), resource: faster(stop.resource) },
    };
  };

  /** Starts 1,000 instances of one type and zone, the `bad`-th lacking capacity; what it cost. */
  async function startWithOneBad(bad: number, limits: Ec2Limits, chargeFailedCalls: boolean) {
    setup(limits);
    fake.chargeFailedCalls = chargeFailedCalls;
    fake.add(1000);
    const badId = instanceIdFor(bad);
    fake.failInstance(badId, 'InsufficientInstanceCapacity');
    const error = await run(officeHoursEvent(), FIFTEEN_MINUTES, limits).catch(
      (e: unknown) => e as RunFailedError,
    );
    const later = fake.actionCalls().slice(1);
    const failed = later.filter((c) => c.error && c.error !== 'RequestLimitExceeded');
    return {
      badId,
      error: error as RunFailedError,
      later,
      throttled: later.filter((c) => c.error === 'RequestLimitExceeded').length,
      wastedIds: failed.reduce((sum, c) => sum + c.ids.length, 0),
    };
  }

  function expectAllGoodStartedAndTheBadOneFailed(r: Awaited<ReturnType<typeof startWithOneBad>>) {
    expect(r.error).toBeInstanceOf(RunFailedError);
    expect(r.error.summary).toMatchObject({ started: 999, failed: 1, deferred: 0 });
    expect(r.error.summary.failures).toEqual([
      expect.objectContaining({ instanceId: r.badId, errorCode: 'InsufficientInstanceCapacity' }),
    ]);
    expect(fake.count('running')).toBe(999);
    expect(fake.instance(r.badId)?.state).toBe('stopped');
  }

  test.each([1, 501, 1000])(
    'failed calls charged, refill 15 times faster, the bad one #%i: at most 32 + 6 + 2 + 1 = 41 instance tokens wasted, and no call throttled but the one probe',
    async (bad) => {
      const r = await startWithOneBad(bad, refillTimes(15), true);
      expectAllGoodStartedAndTheBadOneFailed(r);
      expect(r.throttled).toBeLessThanOrEqual(1);
      expect(r.wastedIds).toBeLessThanOrEqual(41);
    },
  );

  test.each([1, 501, 1000])(
    "failed calls charged, EC2's default buckets, the bad one #%i: calls after the first plus wasted ids within twice the least (56)",
    async (bad) => {
      const r = await startWithOneBad(bad, EC2_DEFAULT_LIMITS, true);
      expectAllGoodStartedAndTheBadOneFailed(r);
      expect(r.throttled).toBeLessThanOrEqual(1);
      expect(r.wastedIds).toBeLessThanOrEqual(41);
      expect(r.later.length + r.wastedIds).toBeLessThanOrEqual(2 * 56);
    },
  );

  test.each([1, 501, 1000])(
    "failed calls free, EC2's default buckets, the bad one #%i: no call throttled, at most log2(1,000) + 2 = 12 start calls after the first",
    async (bad) => {
      const r = await startWithOneBad(bad, EC2_DEFAULT_LIMITS, false);
      expectAllGoodStartedAndTheBadOneFailed(r);
      expect(r.throttled).toBe(0);
      expect(r.later.length).toBeLessThanOrEqual(12);
    },
  );
});

describe('the deployment (issue 9)', () => {
  test('an event for another tag key or schedule is malformed when the deployment is known', async () => {
    setup();
    fake.add(3);
    const deps = {
      ...depsFor(fake, FIFTEEN_MINUTES),
      deployment: { tagKey: 'Schedule', schedules: ['office-hours'] },
    };
    for (const [event, message] of [
      [officeHoursEvent({ schedule: 'lab' }), /schedule "lab" is not a schedule of this scheduler/],
      [officeHoursEvent({ tagKey: 'Owner' }), /tagKey "Owner" is not this scheduler's tag key/],
    ] as const) {
      const error = await handle(event, 'start', deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MalformedEventError);
      expect((error as Error).message).toMatch(message);
    }
    expect(fake.mock.calls()).toHaveLength(0);
    await expect(handle(officeHoursEvent(), 'start', deps)).resolves.toMatchObject({ started: 3 });
  });

  test('the Lambda shell reads the deployment from the environment, and refuses to run without it', () => {
    const names = { tagKey: 'EC2_SCHEDULER_TAG_KEY', schedules: 'EC2_SCHEDULER_SCHEDULES' };
    expect(
      deploymentFromEnv(
        { EC2_SCHEDULER_TAG_KEY: 'Schedule', EC2_SCHEDULER_SCHEDULES: '["office-hours","lab"]' },
        names,
      ),
    ).toEqual({ tagKey: 'Schedule', schedules: ['office-hours', 'lab'] });
    expect(() => deploymentFromEnv({}, names)).toThrow(
      /lacks EC2_SCHEDULER_TAG_KEY or EC2_SCHEDULER_SCHEDULES .*deploy it with the Ec2Scheduler construct/,
    );
  });
});
