/**
 * The override tag `<tagKey>:override`: its format (lib/schedule/override.ts) and what start and stop runs
 * make of it. The fake EC2's clock reads 2026-11-30T13:00:00Z (08:00 on a Monday in New York).
 */
import { handle, RunSummary } from '../lambda/handle';
import { judgeOverride, parseOverride } from '../lib/schedule/override';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import {
  depsFor,
  FIFTEEN_MINUTES,
  officeHoursEvent,
  runEvent,
  TestDeps,
  UNLIMITED,
} from './support/runs';

const NY = 'America/New_York';
const DAY = 86_400_000;

describe('override values', () => {
  test.each([
    ['running until 2026-12-02T08:00Z', 'running', '2026-12-02T08:00:00.000Z'],
    ['stopped until 2026-12-02T08:00:30Z', 'stopped', '2026-12-02T08:00:30.000Z'],
    ['running until 2026-12-02T08:00+01:00', 'running', '2026-12-02T07:00:00.000Z'],
    ['running until 2026-12-02T08:00-05:30', 'running', '2026-12-02T13:30:00.000Z'],
    // No offset: the schedule's zone (EST in December).
    ['running until 2026-12-02T08:00', 'running', '2026-12-02T13:00:00.000Z'],
    // A date alone: 00:00 of it in the schedule's zone.
    ['stopped until 2026-12-02', 'stopped', '2026-12-02T05:00:00.000Z'],
    // Case and surrounding spaces do not matter.
    ['  Running UNTIL 2026-12-02t08:00z ', 'running', '2026-12-02T08:00:00.000Z'],
    // Summer time in New York: EDT.
    ['running until 2027-07-01T08:00', 'running', '2027-07-01T12:00:00.000Z'],
    // 01:30 occurs twice on 2026-11-01 in New York: the first (EDT) is meant.
    ['running until 2026-11-01T01:30', 'running', '2026-11-01T05:30:00.000Z'],
    // 02:30 does not exist on 2027-03-14 in New York: read with the offset before the jump.
    ['running until 2027-03-14T02:30', 'running', '2027-03-14T07:30:00.000Z'],
    // The extreme offsets in use: the Line Islands (+14:00) and Baker Island (-12:00); Nepal.
    ['running until 2026-12-02T08:00+14:00', 'running', '2026-12-01T18:00:00.000Z'],
    ['running until 2026-12-02T08:00-12:00', 'running', '2026-12-02T20:00:00.000Z'],
    ['running until 2026-12-02T08:00+05:45', 'running', '2026-12-02T02:15:00.000Z'],
  ])('%j holds the instance %s until %s', (value, state, until) => {
    const override = parseOverride(value, NY);
    expect(override.state).toBe(state);
    expect(override.until.toISOString()).toBe(until);
  });

  test.each([
    ['', 'is not an override'],
    ['running', 'is not an override'],
    ['running till 2026-12-02', 'is not an override'],
    ['started until 2026-12-02', 'is not an override'],
    ['running until  2026-12-02', 'is not an override'],
    ['running until 2026-12-02 08:00', 'is not an override'],
    ['running until tomorrow', 'has "tomorrow", which is not an ISO 8601 time'],
    ['running until 2026-12-02T8:00', 'which is not an ISO 8601 time'],
    ['running until 2026-12-02+01:00', 'which is not an ISO 8601 time'],
    ['running until 2026-02-30', 'which is not a real date and time'],
    ['running until 2026-12-02T24:00Z', 'which is not a real date and time'],
    ['running until 2026-12-02T08:60', 'which is not a real date and time'],
    ['running until 2026-12-02T08:00+23:59', 'whose UTC offset +23:59 does not exist'],
    ['running until 2026-12-02T08:00+24:00', 'whose UTC offset +24:00 does not exist'],
    ['running until 2026-12-02T08:00+14:30', 'whose UTC offset +14:30 does not exist'],
    ['running until 2026-12-02T08:00-12:30', 'whose UTC offset -12:30 does not exist'],
    ['running until 2026-12-02T08:00-13:00', 'whose UTC offset -13:00 does not exist'],
    ['running until 2026-12-02T08:00+05:60', 'whose UTC offset +05:60 does not exist'],
  ])('%j is malformed: %s', (value, why) => {
    expect(() => parseOverride(value, NY)).toThrow(why);
    expect(() => parseOverride(value, NY)).toThrow(/write "running until <time>"/);
  });

  test('an offset no place uses is refused with the range of real ones', () => {
    expect(() => parseOverride('stopped until 2026-12-02T08:00+15:00', NY)).toThrow(
      /^"stopped until 2026-12-02T08:00\+15:00" has "2026-12-02t08:00\+15:00", whose UTC offset \+15:00 does not exist \(UTC offsets run from -12:00 to \+14:00\); write "running until <time>"/,
    );
  });

  test('judged at a moment: active, expired at its time, ignored when further than the maximum', () => {
    const now = new Date('2026-11-30T13:00:00Z');
    const judge = (value: string) => judgeOverride(value, NY, now, 7 * DAY);
    expect(judge('running until 2026-11-30T14:00Z')).toMatchObject({ status: 'active' });
    expect(judge('running until 2026-11-30T13:00Z')).toMatchObject({ status: 'expired' });
    expect(judge('running until 2026-12-07T13:00Z')).toMatchObject({ status: 'active' });
    expect(judge('running until 2026-12-07T13:01Z')).toStrictEqual({
      status: 'ignored',
      why: '"running until 2026-12-07T13:01Z" reaches 7.1 days ahead, more than the 7 days this scheduler allows (maxOverride); set a nearer time',
    });
    expect(judge('running until 2027-01-30')).toMatchObject({
      status: 'ignored',
      why: expect.stringContaining('reaches 60.7 days ahead, more than the 7 days'),
    });
    expect(judge('running until soon')).toMatchObject({
      status: 'ignored',
      why: expect.stringContaining('"running until soon" has "soon"'),
    });
  });
});

describe('runs and overrides', () => {
  let fake: InProcessEc2;
  afterEach(() => fake?.restore());

  async function run(
    event: SchedulerEvent,
    overrides: Record<string, string>,
    state: 'running' | 'stopped',
  ): Promise<{ summary: RunSummary; deps: TestDeps; ids: Record<string, string> }> {
    fake = new InProcessEc2(new VirtualClock(), UNLIMITED);
    const ids: Record<string, string> = {};
    fake.add(2, { state, tags: { Schedule: 'office-hours' } });
    for (const [label, value] of Object.entries(overrides)) {
      [ids[label]] = fake.add(1, {
        state,
        tags: { Schedule: 'office-hours', 'Schedule:override': value },
      });
    }
    return { ...(await runEvent(fake, event)), ids };
  }

  const lineOf = (deps: TestDeps, id: string) =>
    deps.logger.lines.find((l) => l.message === 'instance' && l.attributes?.instanceId === id)
      ?.attributes;

  test('a stop leaves an instance with a future "running until" running, and says why', async () => {
    const { summary, deps, ids } = await run(
      officeHoursEvent({ action: 'stop' }),
      { held: 'running until 2026-11-30T22:00Z', local: 'Running Until 2026-11-30T09:00' },
      'running',
    );
    expect(summary).toMatchObject({ found: 4, stopped: 2, skipped: 2, overridesIgnored: 0 });
    expect(lineOf(deps, ids.held)).toMatchObject({
      outcome: 'skipped',
      reason: 'override: running until 2026-11-30T22:00:00Z',
    });
    // 09:00 in New York is 14:00Z, an hour after the run.
    expect(lineOf(deps, ids.local)).toMatchObject({
      outcome: 'skipped',
      reason: 'override: running until 2026-11-30T14:00:00Z',
    });
    expect(fake.instance(ids.held)?.state).toBe('running');
    expect(fake.count('stopped')).toBe(2);
  });

  test('an expired override is ignored without a warning: the schedule applies', async () => {
    const { summary, deps, ids } = await run(
      officeHoursEvent({ action: 'stop' }),
      { expired: 'running until 2026-11-30T07:59' },
      'running',
    );
    expect(summary).toMatchObject({ stopped: 3, skipped: 0, overridesIgnored: 0 });
    expect(lineOf(deps, ids.expired)).toMatchObject({ outcome: 'stopped' });
    expect(deps.logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  test('a malformed override and one past maxOverride are ignored with a warning each, and counted', async () => {
    const { summary, deps, ids } = await run(
      officeHoursEvent({ action: 'stop', maxOverrideSeconds: 86_400 }),
      { malformed: 'running until friday', far: 'running until 2026-12-02T13:00Z' },
      'running',
    );
    expect(summary).toMatchObject({ stopped: 4, skipped: 0, overridesIgnored: 2 });
    expect(lineOf(deps, ids.malformed)).toMatchObject({ outcome: 'stopped' });
    expect(lineOf(deps, ids.far)).toMatchObject({ outcome: 'stopped' });
    const warnings = deps.logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([
      {
        level: 'warn',
        message: 'override ignored',
        attributes: expect.objectContaining({
          instanceId: ids.malformed,
          tag: 'Schedule:override',
          value: 'running until friday',
          why: expect.stringContaining('has "friday", which is not an ISO 8601 time'),
        }),
      },
      {
        level: 'warn',
        message: 'override ignored',
        attributes: expect.objectContaining({
          instanceId: ids.far,
          value: 'running until 2026-12-02T13:00Z',
          why: expect.stringContaining('reaches 48 hours ahead, more than the 24 hours'),
        }),
      },
    ]);
  });

  test('an override with an offset no place uses holds nothing: ignored with a warning that says why', async () => {
    const { summary, deps, ids } = await run(
      officeHoursEvent({ action: 'stop' }),
      { west: 'running until 2026-12-01T08:00-20:00' },
      'running',
    );
    expect(summary).toMatchObject({ stopped: 3, skipped: 0, overridesIgnored: 1 });
    expect(lineOf(deps, ids.west)).toMatchObject({ outcome: 'stopped' });
    expect(deps.logger.lines.filter((l) => l.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'override ignored',
        attributes: expect.objectContaining({
          instanceId: ids.west,
          why: expect.stringContaining(
            'whose UTC offset -20:00 does not exist (UTC offsets run from -12:00 to +14:00)',
          ),
        }),
      },
    ]);
  });

  test('a start leaves a "stopped until" instance stopped; "running until" does not hold a start', async () => {
    const { summary, deps, ids } = await run(
      officeHoursEvent(),
      { held: 'stopped until 2026-12-01', notForStarts: 'running until 2026-12-01' },
      'stopped',
    );
    expect(summary).toMatchObject({ started: 3, skipped: 1, overridesIgnored: 0 });
    expect(lineOf(deps, ids.held)).toMatchObject({
      outcome: 'skipped',
      reason: 'override: stopped until 2026-12-01T05:00:00Z',
    });
    expect(lineOf(deps, ids.notForStarts)).toMatchObject({ outcome: 'started' });
  });

  test('the tag key follows the scheduler\'s: "Team:override" with tagKey "Team"', async () => {
    fake = new InProcessEc2(new VirtualClock(), UNLIMITED);
    const [held] = fake.add(1, {
      state: 'running',
      tags: { Team: 'office-hours', 'Team:override': 'running until 2026-11-30T20:00Z' },
    });
    const [other] = fake.add(1, {
      state: 'running',
      tags: { Team: 'office-hours', 'Schedule:override': 'running until 2026-11-30T20:00Z' },
    });
    const deps = depsFor(fake, FIFTEEN_MINUTES, UNLIMITED);
    const summary = await handle(
      officeHoursEvent({ action: 'stop', tagKey: 'Team' }),
      'stop',
      deps,
    );
    expect(summary).toMatchObject({ stopped: 1, skipped: 1 });
    expect(fake.instance(held)?.state).toBe('running');
    expect(fake.instance(other)?.state).toBe('stopped');
  });
});
