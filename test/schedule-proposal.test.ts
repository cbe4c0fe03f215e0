import { buildProfile, type HourlyUtilization, weekHoursOf } from '../lib/suggest/activity-profile';
import { parseEventBridgeCron } from '../lib/schedule/cron';
import { dayField, suggestSchedule, widen } from '../lib/suggest/schedule-proposal';
import { runningAt } from '../lib/schedule/timeline';
import { instantsOf, wallTimeOf } from '../lib/schedule/time-zone';

const HOUR = 3_600_000;
const NOW = new Date('2026-12-01T12:00:00Z');
const THRESHOLDS = { idleCpu: 5, idleNetworkBytes: 5e6 };

/** Hourly samples for the `days` days before `end`, busy when `busy(localDay, localHour)`. */
function samples(
  zone: string,
  busy: (day: number, hour: number) => boolean,
  days = 14,
  end = NOW.getTime(),
): HourlyUtilization[] {
  const out: HourlyUtilization[] = [];
  for (let at = end - days * 86_400_000; at < end; at += HOUR) {
    const local = new Date(wallTimeOf(zone, at));
    const b = busy(local.getUTCDay(), local.getUTCHours());
    out.push({ at, cpu: b ? 55 : 1.5, network: b ? 4e7 : 2e5 });
  }
  return out;
}

function suggest(zone: string, busy: (day: number, hour: number) => boolean, margin = 1) {
  const profile = buildProfile(samples(zone, busy), zone, THRESHOLDS);
  return suggestSchedule(profile, { marginHours: margin, days: 14, now: NOW });
}

const weekday = (d: number) => d >= 1 && d <= 5;

describe('suggestSchedule', () => {
  test('office hours in Berlin: start 07:00 and stop 19:00 on weekdays, 60 h a week', () => {
    const s = suggest('Europe/Berlin', (d, h) => weekday(d) && h >= 8 && h < 18);
    expect(s.verdict).toBe('idle windows');
    expect(s.proposal).toMatchObject({
      start: 'cron(0 7 ? * MON-FRI *)',
      stop: 'cron(0 19 ? * MON-FRI *)',
      timeZone: 'Europe/Berlin',
      runningHoursPerWeek: 60,
      stoppedShare: 0.643,
    });
  });

  test('office hours read across the October clock change still land on local hours', () => {
    const zone = 'Europe/Berlin';
    const end = Date.parse('2026-11-01T00:00:00Z');
    const profile = buildProfile(
      samples(zone, (d, h) => weekday(d) && h >= 9 && h < 17, 14, end),
      zone,
      THRESHOLDS,
    );
    const s = suggestSchedule(profile, { marginHours: 0, days: 14, now: NOW });
    expect([s.proposal?.start, s.proposal?.stop]).toEqual([
      'cron(0 9 ? * MON-FRI *)',
      'cron(0 17 ? * MON-FRI *)',
    ]);
  });

  test('a night batch job: every day from 00:00 to 05:00', () => {
    const s = suggest('Europe/Berlin', (_, h) => h >= 1 && h < 4);
    expect([s.proposal?.start, s.proposal?.stop]).toEqual([
      'cron(0 0 ? * * *)',
      'cron(0 5 ? * * *)',
    ]);
    expect(s.proposal?.runningHoursPerWeek).toBe(35);
  });

  test('a window across midnight starts the evening before and stops the next day', () => {
    const s = suggest('UTC', (d, h) => weekday(d) && (h >= 22 || h < 2));
    expect([s.proposal?.start, s.proposal?.stop]).toEqual([
      'cron(0 21 ? * SUN-FRI *)',
      'cron(0 3 ? * MON-SAT *)',
    ]);
  });

  test('busy around the clock on weekdays: one start and one stop a week', () => {
    const s = suggest('UTC', (d) => weekday(d));
    expect([s.proposal?.start, s.proposal?.stop]).toEqual([
      'cron(0 23 ? * SUN *)',
      'cron(0 1 ? * SAT *)',
    ]);
    expect(s.proposal?.runningHoursPerWeek).toBe(122);
  });

  test('always busy, and busy with too short an idle time, propose nothing', () => {
    expect(suggest('UTC', () => true)).toEqual({
      verdict: 'always busy',
      reason: "busy in all of the week's 168 hours over 14 days",
    });
    // Idle one hour a day: the margin eats it.
    expect(suggest('UTC', (_, h) => h !== 3)).toEqual({
      verdict: 'always busy',
      reason:
        "idle in 7 of the week's 168 hours, but a schedule keeping 1 h of margin around busy hours would stop it less than 8 hours a week",
    });
  });

  test('always idle says that stopping or resizing may beat scheduling', () => {
    const s = suggest('UTC', () => false);
    expect(s.verdict).toBe('always idle');
    expect(s.reason).toMatch(/highest hourly CPU 1\.5%.*stopping it, or a smaller instance type/);
    expect(s.proposal).toBeUndefined();
  });

  test('a newly launched instance is not enough data, never a guess', () => {
    const zone = 'UTC';
    const recent = samples(zone, () => true).filter((x) => x.at >= NOW.getTime() - 30 * HOUR);
    const s = suggestSchedule(buildProfile(recent, zone, THRESHOLDS), {
      marginHours: 1,
      days: 14,
      now: NOW,
    });
    expect(s.verdict).toBe('not enough data');
    expect(s.reason).toMatch(/no datapoint in 138 of the week's 168 hours over 14 days/);
  });

  test('network alone makes an hour busy', () => {
    const zone = 'UTC';
    const data = samples(zone, () => false).map((x) =>
      new Date(x.at).getUTCHours() === 2 ? { ...x, network: 9e6 } : x,
    );
    const s = suggestSchedule(buildProfile(data, zone, THRESHOLDS), {
      marginHours: 0,
      days: 14,
      now: NOW,
    });
    expect([s.proposal?.start, s.proposal?.stop]).toEqual([
      'cron(0 2 ? * * *)',
      'cron(0 3 ? * * *)',
    ]);
  });
});

describe('profiles and fields', () => {
  test('a UTC hour spans two local hours in a half-hour zone', () => {
    // 04:00Z is 09:30 in Kolkata: the hour touches local 09 and 10 of a Tuesday.
    expect(weekHoursOf(Date.parse('2026-12-01T04:00:00Z'), 'Asia/Kolkata')).toEqual([
      2 * 24 + 9,
      2 * 24 + 10,
    ]);
  });

  test.each([
    [[1, 2, 3, 4, 5], 'MON-FRI'],
    [[0, 1, 2, 3, 4, 5, 6], '*'],
    [[0, 6], 'SUN,SAT'],
    [[1, 2, 4], 'MON,TUE,THU'],
    [[0, 1, 2, 3, 5], 'SUN-WED,FRI'],
  ])('dayField(%j) is %s', (days, field) => {
    expect(dayField(days)).toBe(field);
  });

  test('widen spreads busy hours around the end of the week', () => {
    const busy = new Array<boolean>(168).fill(false);
    busy[0] = true;
    const wide = widen(busy, 2);
    expect([166, 167, 0, 1, 2].every((c) => wide[c])).toBe(true);
    expect(wide.filter(Boolean)).toHaveLength(5);
  });
});

/** A seeded generator, so failures reproduce. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

test('property: every busy hour of a random week falls inside the proposed running window', () => {
  const zone = 'America/New_York';
  // A week of January 2027 (no clock change): each local week hour's instant.
  const monday = Date.parse('2027-01-04T00:00:00Z');
  let proposals = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const next = random(seed);
    const busyCells = new Set<number>();
    const blocks = 1 + Math.floor(next() * 4);
    for (let b = 0; b < blocks; b++) {
      const from = Math.floor(next() * 168);
      const length = 1 + Math.floor(next() * 12);
      for (let k = 0; k < length; k++) busyCells.add((from + k) % 168);
    }
    const s = suggest(zone, (d, h) => busyCells.has(d * 24 + h), seed % 3);
    if (!s.proposal) continue;
    proposals++;
    const crons = {
      starts: [parseEventBridgeCron(s.proposal.start)],
      stops: [parseEventBridgeCron(s.proposal.stop)],
    };
    for (const cell of busyCells) {
      const day = Math.floor(cell / 24);
      // The Monday is day 1: the cell's local wall time in that week, half past the hour.
      const wall = monday + ((day + 6) % 7) * 86_400_000 + (cell % 24) * HOUR + HOUR / 2;
      const [at] = instantsOf(zone, wall);
      expect({ seed, cell, running: runningAt(crons, zone, new Set(), new Date(at)) }).toEqual({
        seed,
        cell,
        running: true,
      });
    }
  }
  expect(proposals).toBeGreaterThan(30);
});
