/**
 * The runs' state under races (issue 19, points 1, 2 and 7): an enforcement check close to the
 * start, instances on their way into the state a run acts on, overrides set while a long run
 * works, and enforcement checks delivered late. Office hours 08:00-17:00 in New York, Monday
 * 30 November 2026 (New York is UTC-5): 08:00 is 13:00Z, 17:00 is 22:00Z.
 */
import { EC2_DEFAULT_LIMITS } from '../lambda/run/pacer';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import { instanceIdFor } from '../harness/ec2';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';
import {
  officeHoursEvent,
  runEvent,
  runExpectingFailure,
  TestDeps,
  UNLIMITED,
  WITH_OPERATIONS,
} from './support/runs';

let fake: InProcessEc2;
afterEach(() => fake?.restore());

function setup(limits = UNLIMITED): InProcessEc2 {
  fake = new InProcessEc2(new VirtualClock());
  fake.setLimits(limits);
  return fake;
}

const at = (iso: string) => Date.parse(iso);

/** The enforcement check's input, as the construct builds it, fired at `scheduledTime`. */
const check = (scheduledTime: string, extra: Partial<SchedulerEvent> = {}) =>
  officeHoursEvent({
    action: 'stop',
    opposites: [WEEKDAYS_8],
    enforce: { starts: [WEEKDAYS_8], stops: [WEEKDAYS_17] },
    scheduledTime,
    ...extra,
  });

const stopAt17 = (extra: Partial<SchedulerEvent> = {}) =>
  officeHoursEvent({
    action: 'stop',
    opposites: [WEEKDAYS_8],
    scheduledTime: '2026-11-30T22:00:00.000Z',
    ...extra,
  });

/** A person starts or stops the instance (outside the scheduler), at the clock's time. */
function person(action: 'StartInstances' | 'StopInstances', id: string): void {
  fake.call({ action, instanceIds: [id] });
}

/** Runs `fn` once, at the first of the run's sleeps that ends at or after `when`. */
function onceAt(when: number, fn: () => void): void {
  const { clock } = fake;
  const sleep = clock.sleep.bind(clock);
  let done = false;
  clock.sleep = async (ms: number) => {
    await sleep(ms);
    if (!done && clock.now() >= when) {
      done = true;
      fn();
    }
  };
}

function lineOf(deps: TestDeps, id: string) {
  return deps.logger.lines.find((l) => l.message === 'instance' && l.attributes?.instanceId === id)
    ?.attributes;
}

/** The instance's state once EC2 has settled every transition. */
function settledState(id: string): string | undefined {
  fake.settleAll();
  return fake.instance(id)?.state;
}

describe('point 1: an enforcement check just before the start', () => {
  test.each([
    ['fired at 07:59:50', '2026-11-30T12:59:50.000Z', '2026-11-30T12:59:52Z'],
    ['fired at 07:45, delivered at 07:52', '2026-11-30T12:45:00.000Z', '2026-11-30T12:52:00Z'],
  ])(
    'a check %s (within 10 minutes of the 08:00 start) leaves a running instance alone, calls no EC2 API, and says the start is due',
    async (_name, scheduledTime, deliveredAt) => {
      setup();
      const [manual] = fake.add(1, { state: 'running' });
      fake.clock.at = at(deliveredAt);

      const { summary } = await runEvent(fake, check(scheduledTime));

      expect(summary).toMatchObject({
        enforcement: 'start due',
        nextStart: '2026-11-30T13:00:00.000Z',
        found: 0,
        stopped: 0,
        failed: 0,
        apiCalls: 0,
      });
      expect(fake.calls).toEqual([]);
      expect(fake.instance(manual)?.state).toBe('running');
    },
  );

  test('a start on a skip date starts nothing, so it does not count: the check before it still stops the instance', async () => {
    setup();
    const [manual] = fake.add(1, { state: 'running' });
    // Monday 7 December, 07:55 in New York; that day's start is skipped.
    fake.clock.at = at('2026-12-07T12:55:02Z');

    const { summary } = await runEvent(
      fake,
      check('2026-12-07T12:55:00.000Z', { skipDates: ['2026-12-07'] }),
    );

    expect(summary).toMatchObject({
      enforcement: 'outside the running window',
      found: 1,
      stopped: 1,
    });
    expect(settledState(manual)).toBe('stopped');
  });

  test('a check that reaches 07:50 while stopping leaves the rest to the start: skipped with the start time, nothing failed', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(3000, { state: 'running' });
    // 07:48:30: 1,000 stops at once, then 20 a second for the 90 s to 07:50.
    fake.clock.at = at('2026-11-30T12:48:31Z');

    const { summary, deps } = await runEvent(fake, check('2026-11-30T12:48:30.000Z'), {
      limits: EC2_DEFAULT_LIMITS,
    });

    expect(summary).toMatchObject({ found: 3000, failed: 0, deferred: 0 });
    expect(summary.stopped).toBeGreaterThanOrEqual(1000);
    expect(summary.skipped).toBe(3000 - summary.stopped);
    expect(summary.skipped).toBeGreaterThan(0);
    expect(summary.nextStart).toBe('2026-11-30T13:00:00.000Z');
    const reasons = new Set(
      deps.logger.lines
        .filter((l) => l.attributes?.outcome === 'skipped')
        .map((l) => l.attributes?.reason),
    );
    expect([...reasons]).toEqual(['start due: the schedule starts it at 2026-11-30T13:00:00.000Z']);
    expect(fake.actionCalls().every((c) => c.at < at('2026-11-30T12:50:00Z'))).toBe(true);
    expect(fake.count('running')).toBe(summary.skipped);
  });

  test('an enforcement follow-up delivered after 07:50 skips what it carries, calls no EC2 API, and succeeds', async () => {
    setup();
    const ids = fake.add(3, { state: 'running' });
    fake.clock.at = at('2026-11-30T12:50:30Z');
    const followUp = check('2026-11-30T12:48:30.000Z', {
      followUp: {
        attempt: 1,
        notAfter: '2026-11-30T12:50:00.000Z',
        instances: { plain: ids, hibernate: [] },
      },
    });

    const { summary, deps } = await runEvent(fake, followUp);

    expect(summary).toMatchObject({
      enforcement: 'start due',
      nextStart: '2026-11-30T13:00:00.000Z',
      skipped: 3,
      failed: 0,
    });
    expect(fake.calls).toEqual([]);
    expect(lineOf(deps, ids[0])).toMatchObject({
      outcome: 'skipped',
      reason: 'start due: the schedule starts it at 2026-11-30T13:00:00.000Z',
    });
  });

  test('an instance still stopping when the 08:00 start runs is started once it has stopped', async () => {
    setup();
    fake.settleMs = 40_000;
    const [id] = fake.add(1, { state: 'running' });
    // A person stops it at 07:59:30; EC2 keeps it stopping for 40 s.
    fake.clock.at = at('2026-11-30T12:59:30Z');
    person('StopInstances', id);
    // The start, delivered 2 s late.
    fake.clock.at = at('2026-11-30T13:00:02Z');

    const { summary, deps } = await runEvent(fake, officeHoursEvent());

    expect(summary).toMatchObject({ found: 1, started: 1, failed: 0, inTransit: 1 });
    expect(lineOf(deps, id)).toMatchObject({ outcome: 'started' });
    const [start] = fake.actionCalls();
    expect(start.at).toBeGreaterThanOrEqual(at('2026-11-30T13:00:10Z'));
    expect(settledState(id)).toBe('running');
  });

  test('the 17:00 stop waits for an instance a person started at 16:59:58, and stops it once it runs', async () => {
    setup();
    fake.settleMs = 30_000;
    const [id] = fake.add(1);
    fake.clock.at = at('2026-11-30T21:59:58Z');
    person('StartInstances', id);
    fake.clock.at = at('2026-11-30T22:00:01Z');

    const { summary } = await runEvent(fake, stopAt17());

    expect(summary).toMatchObject({ found: 1, stopped: 1, failed: 0, inTransit: 1 });
    expect(settledState(id)).toBe('stopped');
  });

  test('instances waited for still meet the skip rules: an Auto Scaling member is skipped, a hibernation-configured one hibernated, an override set meanwhile holds', async () => {
    setup();
    fake.settleMs = 30_000;
    const [asg] = fake.add(1, {
      tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'web' },
    });
    const [hib] = fake.add(1, { hibernationConfigured: true });
    const [late] = fake.add(1);
    fake.clock.at = at('2026-11-30T21:59:58Z');
    for (const id of [asg, hib, late]) person('StartInstances', id);
    fake.clock.at = at('2026-11-30T22:00:01Z');
    // Someone holds one of them running while it is still pending.
    onceAt(at('2026-11-30T22:00:10Z'), () =>
      fake.updateInstance(late, {
        tags: { Schedule: 'office-hours', 'Schedule:override': 'running until 2026-11-30T23:00Z' },
      }),
    );

    const { summary, deps } = await runEvent(fake, stopAt17({ hibernate: true }));

    expect(summary).toMatchObject({ found: 3, stopped: 1, skipped: 2, failed: 0 });
    expect(lineOf(deps, asg)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/Auto Scaling group/),
    });
    expect(lineOf(deps, late)).toMatchObject({
      outcome: 'skipped',
      reason: 'override: running until 2026-11-30T23:00:00Z',
    });
    expect(lineOf(deps, hib)).toMatchObject({ outcome: 'stopped', hibernated: true });
    expect(fake.actionCalls().map((c) => [c.ids, c.hibernate])).toEqual([[[hib], true]]);
    expect(settledState(late)).toBe('running');
    expect(settledState(asg)).toBe('running');
  });

  test('an instance still pending at the deadline is deferred; the follow-up looks at it again and stops it', async () => {
    setup();
    const [id] = fake.add(1, { pendingMs: 10 * 60_000 });
    fake.clock.at = at('2026-11-30T21:59:58Z');
    person('StartInstances', id);
    fake.clock.at = at('2026-11-30T22:00:01Z');

    const { summary, deps } = await runEvent(fake, stopAt17(), { budgetMs: 60_000 });

    expect(summary).toMatchObject({ found: 1, stopped: 0, deferred: 1, failed: 0 });
    expect(deps.followUps[0].followUp?.instances).toEqual({ plain: [id], hibernate: [] });
    expect(fake.actionCalls()).toEqual([]);

    fake.clock.at = at('2026-11-30T22:10:00Z');
    const followUp = await runEvent(fake, deps.followUps[0]);
    expect(followUp.summary).toMatchObject({ stopped: 1, failed: 0 });
    expect(settledState(id)).toBe('stopped');
  });

  test('verification follows a start that waited like any other; an instance still stopping at the end is deferred, never counted started', async () => {
    setup();
    const [soon, slow] = fake.add(2, { state: 'running' });
    fake.clock.at = at('2026-11-30T12:59:50Z');
    fake.settleMs = 20_000;
    person('StopInstances', soon);
    fake.settleMs = 60 * 60_000;
    person('StopInstances', slow);
    fake.settleMs = 20_000;
    fake.clock.at = at('2026-11-30T13:00:02Z');

    const { summary, deps } = await runEvent(fake, officeHoursEvent(WITH_OPERATIONS), {
      budgetMs: 5 * 60_000,
    });

    expect(summary).toMatchObject({ found: 2, started: 1, deferred: 1, unverified: 0, failed: 0 });
    expect(lineOf(deps, soon)).toMatchObject({ outcome: 'started', verified: true });
    expect(lineOf(deps, slow)).toMatchObject({ outcome: 'deferred' });
    expect(deps.followUps[0].followUp?.instances?.plain).toEqual([slow]);
  });

  test('an instance stuck stopping is waited for 20 minutes after the start fired, then failed with StillInTransit, not polled until the stop', async () => {
    setup();
    const [stuck, fine] = fake.add(2, { state: 'running' });
    fake.clock.at = at('2026-11-30T12:59:50Z');
    fake.settleMs = 6 * 3600_000;
    person('StopInstances', stuck);
    fake.settleMs = 0;
    fake.clock.at = at('2026-11-30T13:00:02Z');
    fake.updateInstance(fine, { state: 'stopped' });

    // The first run (15 minutes) waits and hands the stuck instance on; its follow-up gives up.
    const first = await runEvent(fake, officeHoursEvent());
    expect(first.summary).toMatchObject({ started: 1, deferred: 1, failed: 0 });
    const { summary, error } = await runExpectingFailure(fake, first.deps.followUps[0]);

    expect(summary).toMatchObject({ started: 0, failed: 1 });
    expect(summary.followUp).toBeUndefined();
    expect(summary.failures).toEqual([
      {
        instanceId: stuck,
        errorCode: 'StillInTransit',
        message: expect.stringContaining('still stopping 20 minutes after the schedule fired'),
      },
    ]);
    expect(error.message).toContain(`${stuck} (StillInTransit)`);
    // Given up at 08:20 New York, long before the 17:00 stop.
    expect(fake.clock.now()).toBeLessThan(at('2026-11-30T13:25:00Z'));
  });
});

describe('point 2: an override set after the listing', () => {
  test('an override set on instance 2,000 while the start works through the others is honoured', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(2000);
    const last = instanceIdFor(2000);
    // Two minutes into the run (the first 1,000 started at once, the rest go at 2 a second).
    onceAt(fake.clock.now() + 120_000, () =>
      fake.updateInstance(last, {
        tags: { Schedule: 'office-hours', 'Schedule:override': 'stopped until 2026-12-01' },
      }),
    );

    const { summary, deps } = await runEvent(fake, officeHoursEvent(), {
      limits: EC2_DEFAULT_LIMITS,
    });

    expect(summary).toMatchObject({ found: 2000, started: 1999, skipped: 1, failed: 0 });
    expect(lineOf(deps, last)).toMatchObject({
      outcome: 'skipped',
      reason: 'override: stopped until 2026-12-01T05:00:00Z',
    });
    expect(fake.instance(last)?.state).toBe('stopped');
  });

  test('a start sent within a minute of its listing adds no call: 1,000 instances, one DescribeInstances', async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(1000);
    const { summary } = await runEvent(fake, officeHoursEvent(), { limits: EC2_DEFAULT_LIMITS });
    expect(summary.started).toBe(1000);
    expect(fake.describeCalls()).toHaveLength(1);
  });

  test("a 2,000-instance start at EC2's documented limits looks again about once a minute, not once a batch", async () => {
    setup(EC2_DEFAULT_LIMITS);
    fake.add(2000);
    const t0 = fake.clock.now();

    const { summary } = await runEvent(fake, officeHoursEvent(), { limits: EC2_DEFAULT_LIMITS });

    expect(summary).toMatchObject({ started: 2000, failed: 0, deferred: 0 });
    const [first, second, ...looks] = fake.describeCalls();
    // The listing: 2 pages of 1,000 (no instance-id filter).
    expect([first.ids, second.ids]).toEqual([[], []]);
    // Then about one look a minute while the last 1,000 go at 2 a second (500 s), each by id for
    // at most what one call takes (197 ids): 7 here, against 100 start calls after the first.
    // (Before issue 19: the 2 pages and no look.)
    const minutes = Math.ceil((fake.clock.now() - t0) / 60_000);
    expect(looks.length).toBeGreaterThan(0);
    expect(looks.length).toBeLessThanOrEqual(minutes);
    expect(looks.every((c) => c.ids.length > 0 && c.ids.length <= 197)).toBe(true);
    expect(fake.actionCalls()).toHaveLength(101);
  });
});

describe('point 7: a late enforcement check', () => {
  test.each([
    ['07:00', '2026-11-30T12:00:00.000Z'],
    ['07:59', '2026-11-30T12:59:00.000Z'],
  ])(
    'a check scheduled at %s and delivered at 08:05, after the start ran, does nothing and succeeds',
    async (_name, scheduledTime) => {
      setup();
      const ids = fake.add(3, { state: 'running' });
      fake.clock.at = at('2026-11-30T13:05:00Z');

      const { summary } = await runEvent(fake, check(scheduledTime));

      expect(summary).toMatchObject({
        enforcement: 'inside the running window when delivered',
        found: 0,
        failed: 0,
        apiCalls: 0,
      });
      expect(summary.failures).toEqual([]);
      expect(fake.calls).toEqual([]);
      for (const id of ids) expect(fake.instance(id)?.state).toBe('running');
    },
  );

  test('a start delivered after its stop still fails every instance with WindowClosed', async () => {
    setup();
    fake.add(3);
    fake.clock.at = at('2026-11-30T22:05:00Z');

    const { summary } = await runExpectingFailure(fake, officeHoursEvent());

    expect(summary).toMatchObject({ failed: 3, started: 0 });
    expect(summary.failures.map((f) => f.errorCode)).toEqual([
      'WindowClosed',
      'WindowClosed',
      'WindowClosed',
    ]);
    expect(fake.actionCalls()).toEqual([]);
  });
});
