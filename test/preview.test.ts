import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Ec2Scheduler, ScheduleOptions } from '../lib';
import {
  describePreview,
  PreviewOptions,
  PreviewScheduleOptions,
  previewSchedule,
  SchedulePreview,
} from '../lib/schedule/preview';
import { NO_BUILTIN_VALIDATION, exactly, testStack } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

const OFFICE_HOURS_NY: PreviewScheduleOptions = {
  start: WEEKDAYS_8,
  stop: WEEKDAYS_17,
  timeZone: 'America/New_York',
};
/** Friday 12 March 2027, two days before New York's spring change (Sun 14 March). */
const FRI_12_MARCH = '2027-03-12T00:00:00Z';

/** Each transition as `action utc`. */
function utc(p: SchedulePreview): string[] {
  return p.transitions.map((t) => `${t.action} ${t.utc}`);
}

/** Each transition as `action local`. */
function local(p: SchedulePreview): string[] {
  return p.transitions.map((t) => `${t.action} ${t.local}`);
}

/** The UTC dates (YYYY-MM-DD) on which `expression`, as a start-only schedule in UTC, fires. */
function dates(expression: string, from: string, count: number): string[] {
  return previewSchedule({ start: expression }, { after: new Date(from), count }).transitions.map(
    (t) => t.utc.slice(0, 10),
  );
}

describe('previewSchedule: 8-to-5 on weekdays in New York, from Fri 12 March 2027', () => {
  let preview: SchedulePreview;
  beforeAll(() => {
    preview = previewSchedule(OFFICE_HOURS_NY, { after: new Date(FRI_12_MARCH), count: 4 });
  });

  test('lists exactly the next 4 transitions; 08:00 local is 13:00Z before the DST change and 12:00Z after', () => {
    expect(preview.timeZone).toBe('America/New_York');
    expect(preview.transitions).toEqual([
      { action: 'start', local: '2027-03-12T08:00:00-05:00', utc: '2027-03-12T13:00:00Z' },
      { action: 'stop', local: '2027-03-12T17:00:00-05:00', utc: '2027-03-12T22:00:00Z' },
      { action: 'start', local: '2027-03-15T08:00:00-04:00', utc: '2027-03-15T12:00:00Z' },
      { action: 'stop', local: '2027-03-15T17:00:00-04:00', utc: '2027-03-15T21:00:00Z' },
    ]);
  });

  test('runs 45 h/week and is stopped 73.2% of the week', () => {
    expect(preview.runningHoursPerWeek).toBe(45);
    expect(preview.stoppedShare).toBe(0.732);
    expect(preview.note).toBeUndefined();
  });

  test('describePreview sums it up in one line', () => {
    expect(describePreview('office-hours', preview)).toBe(
      'office-hours: runs 45 h/week, stopped 73% of the week',
    );
  });

  test('transitions are strictly after `after`', () => {
    const p = previewSchedule(OFFICE_HOURS_NY, {
      after: new Date('2027-03-12T13:00:00Z'),
      count: 1,
    });
    expect(utc(p)).toEqual(['stop 2027-03-12T22:00:00Z']);
  });

  test('local times carry the zone offset, half-hour and 45-minute offsets included', () => {
    const stJohns = previewSchedule(
      { start: WEEKDAYS_8, stop: 'cron(30 17 ? * MON-FRI *)', timeZone: 'America/St_Johns' },
      { after: new Date(FRI_12_MARCH), count: 2 },
    );
    expect(stJohns.transitions.map((t) => `${t.local} ${t.utc}`)).toEqual([
      '2027-03-12T08:00:00-03:30 2027-03-12T11:30:00Z',
      '2027-03-12T17:30:00-03:30 2027-03-12T21:00:00Z',
    ]);
    const kathmandu = previewSchedule(
      { start: WEEKDAYS_8, timeZone: 'Asia/Kathmandu' },
      { after: new Date(FRI_12_MARCH), count: 1 },
    );
    expect(kathmandu.transitions[0]).toEqual({
      action: 'start',
      local: '2027-03-12T08:00:00+05:45',
      utc: '2027-03-12T02:15:00Z',
    });
  });
});

describe('overnight windows (start 20:00 Mon-Fri, stop 06:00 Tue-Sat)', () => {
  const OVERNIGHT = { start: 'cron(0 20 ? * MON-FRI *)', stop: 'cron(0 6 ? * TUE-SAT *)' };

  // 5 nights of 10 hours, whether `from` falls inside a running window, on a weekday or at the weekend.
  test.each([
    ['UTC', '2027-03-12T00:00:00Z (Fri, inside a night)'],
    ['UTC', '2027-03-13T12:00:00Z (Sat, stopped)'],
    ['UTC', '2027-03-15T22:00:00Z (Mon, inside a night)'],
    ['Europe/Berlin', '2027-03-12T00:00:00Z (Fri, inside a night)'],
    ['Europe/Berlin', '2027-03-13T12:00:00Z (Sat, stopped)'],
    ['Europe/Berlin', '2027-03-15T22:00:00Z (Mon, inside a night)'],
  ])('in %s from %s: runs 50 h/week', (timeZone, from) => {
    const p = previewSchedule(
      { ...OVERNIGHT, timeZone },
      { after: new Date(from.slice(0, 20)), count: 2 },
    );
    expect(p.runningHoursPerWeek).toBe(50);
    expect(p.stoppedShare).toBe(0.702);
    expect(describePreview('night', p)).toBe('night: runs 50 h/week, stopped 70% of the week');
  });

  test('transitions alternate start/stop across midnight, with no night from Friday to Monday', () => {
    const p = previewSchedule(
      { ...OVERNIGHT, timeZone: 'Europe/Berlin' },
      { after: new Date('2027-03-18T12:00:00Z'), count: 6 }, // Thu 18 March, midday
    );
    expect(local(p)).toEqual([
      'start 2027-03-18T20:00:00+01:00',
      'stop 2027-03-19T06:00:00+01:00',
      'start 2027-03-19T20:00:00+01:00', // Friday night ...
      'stop 2027-03-20T06:00:00+01:00', // ... ends Saturday morning
      'start 2027-03-22T20:00:00+01:00', // next start is Monday night
      'stop 2027-03-23T06:00:00+01:00',
    ]);
    expect(utc(p)[0]).toBe('start 2027-03-18T19:00:00Z');
  });
});

describe('stop-only and start-only schedules', () => {
  test('stop-only: no weekly figures, a note saying why, and only stops listed', () => {
    const p = previewSchedule(
      { stop: 'cron(0 19 ? * MON-FRI *)' },
      { after: new Date(FRI_12_MARCH), count: 3 },
    );
    expect(p.runningHoursPerWeek).toBeUndefined();
    expect(p.stoppedShare).toBeUndefined();
    expect(p.note).toMatch(/^stop-only schedule: .*depend on people$/);
    expect(utc(p)).toEqual([
      'stop 2027-03-12T19:00:00Z',
      'stop 2027-03-15T19:00:00Z',
      'stop 2027-03-16T19:00:00Z',
    ]);
    expect(describePreview('evening-stop', p)).toBe(`evening-stop: ${p.note}`);
  });

  test('start-only: no weekly figures, a note saying why, and only starts listed', () => {
    const p = previewSchedule({ start: WEEKDAYS_8 }, { after: new Date(FRI_12_MARCH), count: 3 });
    expect(p.runningHoursPerWeek).toBeUndefined();
    expect(p.stoppedShare).toBeUndefined();
    expect(p.note).toMatch(/^start-only schedule: .*depend on people$/);
    expect(utc(p)).toEqual([
      'start 2027-03-12T08:00:00Z',
      'start 2027-03-15T08:00:00Z',
      'start 2027-03-16T08:00:00Z',
    ]);
    expect(describePreview('morning-start', p)).toBe(`morning-start: ${p.note}`);
  });
});

describe('skip dates (holidays)', () => {
  const TWO_HOLIDAYS = { ...OFFICE_HOURS_NY, skipDates: ['2027-03-15', '2027-03-16'] };

  test('remove the starts on those local dates and keep the stops', () => {
    const p = previewSchedule(TWO_HOLIDAYS, { after: new Date(FRI_12_MARCH), count: 6 });
    expect(utc(p)).toEqual([
      'start 2027-03-12T13:00:00Z',
      'stop 2027-03-12T22:00:00Z',
      'stop 2027-03-15T21:00:00Z', // Monday: no start, the stop still runs
      'stop 2027-03-16T21:00:00Z', // Tuesday: the same
      'start 2027-03-17T12:00:00Z',
      'stop 2027-03-17T21:00:00Z',
    ]);
  });

  test('two skipped weekdays take 2 x 9 h off the 52-week average: 45 - 18/52 = 44.7', () => {
    const p = previewSchedule(TWO_HOLIDAYS, { after: new Date(FRI_12_MARCH), count: 1 });
    expect(p.runningHoursPerWeek).toBe(44.7);
    expect(p.stoppedShare).toBe(0.734);
  });

  test('a skip date with no start on it (a Saturday) changes nothing', () => {
    const p = previewSchedule(
      { ...OFFICE_HOURS_NY, skipDates: ['2027-03-13'] },
      { after: new Date(FRI_12_MARCH), count: 4 },
    );
    expect(p.runningHoursPerWeek).toBe(45);
    expect(p.transitions).toHaveLength(4);
  });

  test('Pacific/Kiritimati (UTC+14): the 00:30 start of local 15 March, at 10:30Z on the 14th, is skipped', () => {
    const p = previewSchedule(
      {
        start: 'cron(30 0 ? * * *)',
        stop: 'cron(0 12 ? * * *)',
        timeZone: 'Pacific/Kiritimati',
        skipDates: ['2027-03-15'],
      },
      { after: new Date('2027-03-13T00:00:00Z'), count: 6 },
    );
    expect(p.transitions).toEqual([
      { action: 'start', local: '2027-03-14T00:30:00+14:00', utc: '2027-03-13T10:30:00Z' },
      { action: 'stop', local: '2027-03-14T12:00:00+14:00', utc: '2027-03-13T22:00:00Z' },
      // local 15 March: its start (2027-03-14T10:30:00Z) is gone, its stop runs
      { action: 'stop', local: '2027-03-15T12:00:00+14:00', utc: '2027-03-14T22:00:00Z' },
      { action: 'start', local: '2027-03-16T00:30:00+14:00', utc: '2027-03-15T10:30:00Z' },
      { action: 'stop', local: '2027-03-16T12:00:00+14:00', utc: '2027-03-15T22:00:00Z' },
      { action: 'start', local: '2027-03-17T00:30:00+14:00', utc: '2027-03-16T10:30:00Z' },
    ]);
  });

  test('Pacific/Auckland: the Monday 08:00 start of local 15 March, at 19:00Z on the 14th, is skipped', () => {
    const p = previewSchedule(
      {
        start: WEEKDAYS_8,
        stop: WEEKDAYS_17,
        timeZone: 'Pacific/Auckland',
        skipDates: ['2027-03-15'],
      },
      { after: new Date('2027-03-13T00:00:00Z'), count: 3 },
    );
    expect(utc(p)).toEqual([
      'stop 2027-03-15T04:00:00Z', // Mon 17:00 NZDT
      'start 2027-03-15T19:00:00Z', // Tue 08:00 NZDT
      'stop 2027-03-16T04:00:00Z',
    ]);
    expect(utc(p)).not.toContain('start 2027-03-14T19:00:00Z');
  });
});

describe('daylight saving', () => {
  const DAILY_8_TO_5 = { start: 'cron(0 8 ? * * *)', stop: 'cron(0 17 ? * * *)' };

  test.each([
    [
      'America/New_York',
      'spring forward, Sun 14 March 2027',
      '2027-03-13T00:00:00Z',
      [
        'start 2027-03-13T08:00:00-05:00 2027-03-13T13:00:00Z',
        'stop 2027-03-13T17:00:00-05:00 2027-03-13T22:00:00Z',
        'start 2027-03-14T08:00:00-04:00 2027-03-14T12:00:00Z',
        'stop 2027-03-14T17:00:00-04:00 2027-03-14T21:00:00Z',
      ],
    ],
    [
      'America/New_York',
      'fall back, Sun 7 November 2027',
      '2027-11-06T00:00:00Z',
      [
        'start 2027-11-06T08:00:00-04:00 2027-11-06T12:00:00Z',
        'stop 2027-11-06T17:00:00-04:00 2027-11-06T21:00:00Z',
        'start 2027-11-07T08:00:00-05:00 2027-11-07T13:00:00Z',
        'stop 2027-11-07T17:00:00-05:00 2027-11-07T22:00:00Z',
      ],
    ],
    [
      'Europe/Berlin',
      'spring forward, Sun 28 March 2027',
      '2027-03-27T00:00:00Z',
      [
        'start 2027-03-27T08:00:00+01:00 2027-03-27T07:00:00Z',
        'stop 2027-03-27T17:00:00+01:00 2027-03-27T16:00:00Z',
        'start 2027-03-28T08:00:00+02:00 2027-03-28T06:00:00Z',
        'stop 2027-03-28T17:00:00+02:00 2027-03-28T15:00:00Z',
      ],
    ],
    [
      'Europe/Berlin',
      'fall back, Sun 31 October 2027',
      '2027-10-30T00:00:00Z',
      [
        'start 2027-10-30T08:00:00+02:00 2027-10-30T06:00:00Z',
        'stop 2027-10-30T17:00:00+02:00 2027-10-30T15:00:00Z',
        'start 2027-10-31T08:00:00+01:00 2027-10-31T07:00:00Z',
        'stop 2027-10-31T17:00:00+01:00 2027-10-31T16:00:00Z',
      ],
    ],
  ])(
    '%s, %s: 08:00 and 17:00 stay local; their UTC time moves by an hour',
    (timeZone, _change, from, expected) => {
      const p = previewSchedule({ ...DAILY_8_TO_5, timeZone }, { after: new Date(from), count: 4 });
      expect(p.transitions.map((t) => `${t.action} ${t.local} ${t.utc}`)).toEqual(expected);
    },
  );

  test.each([
    [
      'America/New_York',
      '2027-03-14',
      '2027-03-13T00:00:00Z',
      ['2027-03-13T02:30:00-05:00', '2027-03-15T02:30:00-04:00', '2027-03-16T02:30:00-04:00'],
    ],
    [
      'Europe/Berlin',
      '2027-03-28',
      '2027-03-27T00:00:00Z',
      ['2027-03-27T02:30:00+01:00', '2027-03-29T02:30:00+02:00', '2027-03-30T02:30:00+02:00'],
    ],
  ])(
    '%s: a daily 02:30 start does not fire on the spring-forward day %s (02:30 does not exist) and is not moved to 03:30',
    (timeZone, day, from, expected) => {
      const p = previewSchedule(
        { start: 'cron(30 2 ? * * *)', timeZone },
        { after: new Date(from), count: 3 },
      );
      expect(p.transitions.map((t) => t.local)).toEqual(expected);
      expect(p.transitions.some((t) => t.local.startsWith(day))).toBe(false);
      expect(p.transitions.some((t) => t.local.includes('T03:30'))).toBe(false);
    },
  );

  test('America/New_York: a daily 01:30 stop fires once on the fall-back day 2027-11-07, at the first 01:30 (EDT, 05:30Z): our choice, EventBridge documents "once" but not which', () => {
    const p = previewSchedule(
      { stop: 'cron(30 1 ? * * *)', timeZone: 'America/New_York' },
      { after: new Date('2027-11-06T00:00:00Z'), count: 3 },
    );
    expect(p.transitions.map((t) => `${t.local} ${t.utc}`)).toEqual([
      '2027-11-06T01:30:00-04:00 2027-11-06T05:30:00Z',
      '2027-11-07T01:30:00-04:00 2027-11-07T05:30:00Z', // not again at 06:30Z (01:30 EST)
      '2027-11-08T01:30:00-05:00 2027-11-08T06:30:00Z',
    ]);
  });

  test('Europe/Berlin: a daily 02:30 stop fires once on 2027-10-31, where 02:00-02:59 repeats, at the first 02:30 (CEST, 00:30Z): our choice, as above', () => {
    const p = previewSchedule(
      { stop: 'cron(30 2 ? * * *)', timeZone: 'Europe/Berlin' },
      { after: new Date('2027-10-30T00:00:00Z'), count: 3 },
    );
    expect(p.transitions.map((t) => `${t.local} ${t.utc}`)).toEqual([
      '2027-10-30T02:30:00+02:00 2027-10-30T00:30:00Z',
      '2027-10-31T02:30:00+02:00 2027-10-31T00:30:00Z', // not again at 01:30Z (02:30 CET)
      '2027-11-01T02:30:00+01:00 2027-11-01T01:30:00Z',
    ]);
  });
});

describe('EventBridge cron specials in previews (UTC)', () => {
  test.each([
    [
      'L: the last day of the month',
      'cron(0 8 L * ? *)',
      '2027-01-01T00:00:00Z',
      4,
      ['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30'],
    ],
    // 31 July 2027 is a Saturday, 31 October a Sunday: both fall back to Friday.
    [
      'LW: the last weekday of the month',
      'cron(0 8 LW * ? *)',
      '2027-07-01T00:00:00Z',
      4,
      ['2027-07-30', '2027-08-31', '2027-09-30', '2027-10-29'],
    ],
    // 15 May 2027 is a Saturday (-> Fri 14), 15 August a Sunday (-> Mon 16).
    [
      '15W: the weekday nearest the 15th',
      'cron(0 8 15W * ? *)',
      '2027-05-01T00:00:00Z',
      4,
      ['2027-05-14', '2027-06-15', '2027-07-15', '2027-08-16'],
    ],
    // 1 May 2027 is a Saturday: W never leaves the month, so Mon 3 May, not Fri 30 April.
    [
      '1W: stays in the month',
      'cron(0 8 1W * ? *)',
      '2027-04-29T00:00:00Z',
      2,
      ['2027-05-03', '2027-06-01'],
    ],
    [
      '6L: the last Friday of the month',
      'cron(0 8 ? * 6L *)',
      '2027-03-01T00:00:00Z',
      3,
      ['2027-03-26', '2027-04-30', '2027-05-28'],
    ],
    [
      'MON#2: the second Monday',
      'cron(0 8 ? * MON#2 *)',
      '2027-03-01T00:00:00Z',
      3,
      ['2027-03-08', '2027-04-12', '2027-05-10'],
    ],
    [
      'year field: only the years listed, then nothing',
      'cron(0 8 1 1 ? 2028,2030)',
      '2027-03-01T00:00:00Z',
      3,
      ['2028-01-01', '2030-01-01'],
    ],
    [
      'day-of-week 1 is SUNDAY',
      'cron(0 12 ? * 1 *)',
      '2027-03-01T00:00:00Z',
      2,
      ['2027-03-07', '2027-03-14'],
    ],
    [
      'day-of-week 7 is SATURDAY',
      'cron(0 12 ? * 7 *)',
      '2027-03-01T00:00:00Z',
      2,
      ['2027-03-06', '2027-03-13'],
    ],
    [
      'day-of-week 2-6 is MON-FRI',
      'cron(0 12 ? * 2-6 *)',
      '2027-03-05T00:00:00Z',
      2,
      ['2027-03-05', '2027-03-08'],
    ],
  ])('%s: %s', (_what, expression, from, count, expected) => {
    expect(dates(expression, from, count)).toEqual(expected);
  });

  test('SUNDAY really is a Sunday', () => {
    const p = previewSchedule(
      { start: 'cron(0 12 ? * 1 *)' },
      { after: new Date(FRI_12_MARCH), count: 3 },
    );
    expect(p.transitions.map((t) => new Date(t.utc).getUTCDay())).toEqual([0, 0, 0]);
  });

  test.each([
    ['start', 'cron(0 8 * * MON-FRI *)', 'day-of-month "*" and day-of-week "MON-FRI"'],
    ['start', 'cron(0 8 ? * ? *)', 'day-of-month "?" and day-of-week "?"'],
    ['stop', 'cron(0 17 1 * MON *)', 'day-of-month "1" and day-of-week "MON"'],
  ])(
    'the "?" rule: %s %s throws the addSchedule message naming the field',
    (field, expression, fields) => {
      const options = {
        name: 'office-hours',
        start: WEEKDAYS_8,
        stop: WEEKDAYS_17,
        [field]: expression,
      };
      const message = `schedule "office-hours": ${field} "${expression}" has ${fields}; exactly one of them must be "?" (e.g. "? * MON-FRI" or "1 * ?")`;
      expect(() => previewSchedule(options, { after: new Date(FRI_12_MARCH) })).toThrow(
        exactly(message),
      );
      // The construct says the same.
      const scheduler = new Ec2Scheduler(testStack(), 'Scheduler');
      expect(() => scheduler.addSchedule('office-hours', options)).toThrow(exactly(message));
    },
  );

  test.each([
    ['stop', 'cron(0 25 ? * MON-FRI *)', 'has hour 25; hours are 0-23'],
    ['start', 'cron(0 8 ? * 0 *)', 'has day-of-week 0; days of week are 1-7'],
    [
      'start',
      'cron(0 8 ? * MON-FRI)',
      'has 5 fields; EventBridge cron has 6: minutes hours day-of-month month day-of-week year, e.g. cron(0 8 ? * MON-FRI *)',
    ],
  ])(
    'an invalid %s %s names the schedule ("preview" by default), the field and the fix',
    (field, expression, problem) => {
      expect(() =>
        previewSchedule(
          { start: WEEKDAYS_8, stop: WEEKDAYS_17, [field]: expression },
          { after: new Date(FRI_12_MARCH) },
        ),
      ).toThrow(exactly(`schedule "preview": ${field} "${expression}" ${problem}`));
    },
  );

  test('an unknown time zone throws the addSchedule message', () => {
    expect(() =>
      previewSchedule(
        { ...OFFICE_HOURS_NY, timeZone: 'Mars/Olympus' },
        { after: new Date(FRI_12_MARCH) },
      ),
    ).toThrow(
      exactly(
        'schedule "preview": timeZone "Mars/Olympus" is not an IANA time zone; use a name such as "America/New_York", "Europe/Berlin" or "UTC"',
      ),
    );
  });
});

describe('29 February and month ends (UTC)', () => {
  test('cron(0 8 29 2 ? *) fires on 2028-02-29 and then 2032-02-29, beyond the 52 weeks', () => {
    expect(dates('cron(0 8 29 2 ? *)', FRI_12_MARCH, 2)).toEqual(['2028-02-29', '2032-02-29']);
  });

  test('cron(0 8 31 * ? *) skips the 30-day months and February', () => {
    expect(dates('cron(0 8 31 * ? *)', '2027-01-01T00:00:00Z', 7)).toEqual([
      '2027-01-31',
      '2027-03-31',
      '2027-05-31',
      '2027-07-31',
      '2027-08-31',
      '2027-10-31',
      '2027-12-31',
    ]);
  });

  test('L is the 28th, 29th, 30th or 31st as the month has it', () => {
    expect(dates('cron(0 8 L * ? *)', '2027-02-01T00:00:00Z', 1)).toEqual(['2027-02-28']);
    expect(dates('cron(0 8 L * ? *)', '2028-01-01T00:00:00Z', 4)).toEqual([
      '2028-01-31',
      '2028-02-29',
      '2028-03-31',
      '2028-04-30',
    ]);
  });
});

describe('a schedule whose start never fires in the period', () => {
  test('31W in a year ahead: 0 hours, and a note that it never starts in the 52 weeks, with the next start', () => {
    const preview = previewSchedule(
      { start: 'cron(0 8 31W * ? 2030)', stop: 'cron(0 18 31W * ? 2030)' },
      { after: new Date(FRI_12_MARCH), count: 2 },
    );
    expect(preview).toMatchObject({
      runningHoursPerWeek: 0,
      stoppedShare: 1,
      note: 'never starts in the next 52 weeks (next start 2030-01-31T08:00:00+00:00)',
    });
    expect(describePreview('month-end', preview)).toBe(
      'month-end: never starts in the next 52 weeks (next start 2030-01-31T08:00:00+00:00)',
    );
  });

  test('every start on a skip date: it never starts, nor after', () => {
    const preview = previewSchedule(
      { start: 'cron(0 8 25 12 ? 2027)', stop: 'cron(0 18 ? * * *)', skipDates: ['2027-12-25'] },
      { after: new Date(FRI_12_MARCH), count: 1 },
    );
    expect(preview.note).toBe('never starts in the next 52 weeks, nor after');
    expect(describePreview('xmas', preview)).toBe(
      'xmas: never starts in the next 52 weeks, nor after',
    );
  });

  test('a schedule that runs keeps its figures and no note', () => {
    const preview = previewSchedule(OFFICE_HOURS_NY, { after: new Date(FRI_12_MARCH) });
    expect(preview.note).toBeUndefined();
    expect(describePreview('office-hours', preview)).toBe(
      'office-hours: runs 45 h/week, stopped 73% of the week',
    );
  });
});

describe('weekly figures and preview options', () => {
  // 52 weeks from Fri 12 March 2027 end on Fri 10 March 2028.
  test.each([
    ['Fri 3 March 2028, in the 52nd week', '2028-03-03', 44.8],
    ['Mon 13 March 2028, after the 52 weeks', '2028-03-13', 45],
  ])(
    'by default the average is over 52 weeks: a holiday on %s (%s) gives %s h/week',
    (_when, skipDate, hours) => {
      const p = previewSchedule(
        { ...OFFICE_HOURS_NY, skipDates: [skipDate] },
        { after: new Date(FRI_12_MARCH), count: 1 },
      );
      expect(p.runningHoursPerWeek).toBe(hours);
    },
  );

  test.each([
    [4, ['2027-04-01', '2027-04-02'], 40.5], // 45 - 18/4
    [52, ['2027-04-01', '2027-04-02'], 44.7], // 45 - 18/52
    [4, ['2027-05-03'], 45], // after the 4 weeks
    [52, ['2027-05-03'], 44.8], // 45 - 9/52
    [1, [], 45],
  ])('over `weeks: %s` with skip dates %j: %s h/week', (weeks, skipDates, hours) => {
    const p = previewSchedule(
      { ...OFFICE_HOURS_NY, skipDates },
      { after: new Date(FRI_12_MARCH), count: 1, weeks },
    );
    expect(p.runningHoursPerWeek).toBe(hours);
    expect(p.stoppedShare).toBe(Math.round((1 - hours / 168) * 1000) / 1000);
  });

  test('`weeks` does not limit the transitions listed', () => {
    const p = previewSchedule(OFFICE_HOURS_NY, {
      after: new Date(FRI_12_MARCH),
      count: 12,
      weeks: 1,
    });
    expect(p.transitions).toHaveLength(12);
  });

  test('count defaults to 10, and gives exactly that many', () => {
    expect(
      previewSchedule(OFFICE_HOURS_NY, { after: new Date(FRI_12_MARCH) }).transitions,
    ).toHaveLength(10);
    expect(
      previewSchedule(OFFICE_HOURS_NY, { after: new Date(FRI_12_MARCH), count: 1 }).transitions,
    ).toHaveLength(1);
    expect(
      previewSchedule(OFFICE_HOURS_NY, { after: new Date(FRI_12_MARCH), count: 25 }).transitions,
    ).toHaveLength(25);
  });

  test('`after` defaults to now', () => {
    const before = Date.now();
    const p = previewSchedule({ start: 'cron(* * ? * * *)' }, { count: 1 });
    const first = new Date(p.transitions[0].utc).getTime();
    expect(first).toBeGreaterThan(before - 60_000);
    expect(first).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  test.each<[string, PreviewOptions, string]>([
    ['count 0', { count: 0 }, 'count 0 is not allowed; give a whole number of at least 1'],
    ['count -1', { count: -1 }, 'count -1 is not allowed; give a whole number of at least 1'],
    ['count 1.5', { count: 1.5 }, 'count 1.5 is not allowed; give a whole number of at least 1'],
    ['weeks 0', { weeks: 0 }, 'weeks 0 is not allowed; give a whole number of at least 1'],
    [
      'an invalid Date',
      { after: new Date(Number.NaN) },
      'after is not a valid date; give an instant such as 2027-03-12T00:00:00Z',
    ],
  ])('rejects %s', (_what, options, message) => {
    expect(() => previewSchedule(OFFICE_HOURS_NY, options)).toThrow(exactly(message));
  });
});

describe('synth annotations (clock pinned to Fri 2026-11-27T12:00:00Z)', () => {
  // addSchedule reads the machine clock: pin it so the next 7 days are always the same ones.
  beforeAll(() => {
    jest.useFakeTimers({
      now: new Date('2026-11-27T12:00:00Z'),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
  });
  afterAll(() => {
    jest.useRealTimers();
  });

  function stackWith(name: string, options: ScheduleOptions, timeZone = 'UTC'): Stack {
    const stack = testStack();
    stack.node.setContext('cdk-ec2-scheduler:synthNotes', true);
    new Ec2Scheduler(stack, 'Scheduler', { timeZone }).addSchedule(name, options);
    return stack;
  }

  /** The stack of an app with `context` (as cdk.json or `cdk synth -c` give it), and a schedule. */
  function appStack(context: Record<string, unknown>, options: ScheduleOptions): Stack {
    const stack = new Stack(new App({ ...NO_BUILTIN_VALIDATION, context }), 'Stack');
    new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'America/New_York' }).addSchedule(
      'office-hours',
      options,
    );
    return stack;
  }

  test.each<[string, Record<string, unknown>]>([
    ['no context key', {}],
    ['cdk-ec2-scheduler:synthNotes=false', { 'cdk-ec2-scheduler:synthNotes': 'false' }],
  ])('with %s a schedule adds no info annotation, and keeps its warnings', (_what, context) => {
    const stack = appStack(context, { start: 'cron(30 2 ? * SUN *)', stop: WEEKDAYS_17 });
    expect(Annotations.fromStack(stack).findInfo('*', Match.anyValue())).toEqual([]);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('daylight saving'));
  });

  test.each<[string, unknown]>([
    ['true in cdk.json', true],
    ['"true" from cdk synth -c', 'true'],
  ])('cdk-ec2-scheduler:synthNotes %s adds the info line', (_what, value) => {
    const stack = appStack(
      { 'cdk-ec2-scheduler:synthNotes': value },
      { start: WEEKDAYS_8, stop: WEEKDAYS_17 },
    );
    Annotations.fromStack(stack).hasInfo(
      '*',
      Match.stringLikeRegexp('^schedule "office-hours": runs 45 h in the next 7 days'),
    );
  });

  test('the 8-to-5 New York schedule gets an info line with its hours and next start and stop', () => {
    // 12:00Z is 07:00 in New York: the next start is today's.
    const stack = stackWith(
      'office-hours',
      { start: WEEKDAYS_8, stop: WEEKDAYS_17 },
      'America/New_York',
    );
    Annotations.fromStack(stack).hasInfo(
      '*',
      Match.stringLikeRegexp(
        'schedule "office-hours": runs 45 h in the next 7 days, stopped 73% of the week; next start .* next stop .*America/New_York',
      ),
    );
    Annotations.fromStack(stack).hasInfo(
      '*',
      'schedule "office-hours": runs 45 h in the next 7 days, stopped 73% of the week; next start 2026-11-27T08:00:00-05:00, next stop 2026-11-27T17:00:00-05:00 (America/New_York)',
    );
  });

  test('a holiday inside the next 7 days lowers the hours; one after them does not', () => {
    // Tue 1 December is inside the 7 days; Fri 4 December's 08:00 start (13:00Z) is just after.
    const inside = stackWith(
      'office-hours',
      { start: WEEKDAYS_8, stop: WEEKDAYS_17, skipDates: ['2026-12-01'] },
      'America/New_York',
    );
    Annotations.fromStack(inside).hasInfo(
      '*',
      Match.stringLikeRegexp(
        'schedule "office-hours": runs 36 h in the next 7 days, stopped 79% of the week;',
      ),
    );
    const after = stackWith(
      'office-hours',
      { start: WEEKDAYS_8, stop: WEEKDAYS_17, skipDates: ['2026-12-04'] },
      'America/New_York',
    );
    Annotations.fromStack(after).hasInfo(
      '*',
      Match.stringLikeRegexp(
        'schedule "office-hours": runs 45 h in the next 7 days, stopped 73% of the week;',
      ),
    );
  });

  test('a 31W schedule in a week without its day says it never starts then, not "stopped 100%"', () => {
    // No 31 November; 31 December is a Thursday, after the 7 days.
    const stack = stackWith('month-end', {
      start: 'cron(0 8 31W * ? *)',
      stop: 'cron(0 18 31W * ? *)',
    });
    Annotations.fromStack(stack).hasInfo(
      '*',
      'schedule "month-end": never starts in the next 7 days; next start 2026-12-31T08:00:00+00:00, next stop 2026-12-31T18:00:00+00:00 (UTC)',
    );
  });

  test('a stop-only schedule gets an info line without hours', () => {
    const stack = stackWith('evening', { stop: 'cron(0 19 ? * * *)' });
    Annotations.fromStack(stack).hasInfo(
      '*',
      'schedule "evening": stop-only schedule; next stop 2026-11-27T19:00:00+00:00 (UTC)',
    );
  });

  test('the info line names the next start even when two stops come before it', () => {
    const stack = stackWith('weekly', { start: 'cron(0 8 ? * MON *)', stop: 'cron(0 19 ? * * *)' });
    Annotations.fromStack(stack).hasInfo(
      '*',
      Match.stringLikeRegexp(
        'next start 2026-11-30T08:00:00\\+00:00, next stop 2026-11-27T19:00:00\\+00:00',
      ),
    );
  });

  test.each([
    ['start', 'America/New_York', '2027-03-14', 'will not start'],
    ['stop', 'America/New_York', '2027-03-14', 'will not stop'],
    ['start', 'Europe/Berlin', '2027-03-28', 'will not start'],
  ])(
    'a Sunday 02:30 %s in %s gets the daylight-saving warning naming the schedule, field and day',
    (field, timeZone, day, effect) => {
      const options =
        field === 'start' ? { start: 'cron(30 2 ? * SUN *)' } : { stop: 'cron(30 2 ? * SUN *)' };
      const stack = stackWith('sunday-batch', options, timeZone);
      Annotations.fromStack(stack).hasWarning(
        '*',
        Match.stringLikeRegexp(
          `^schedule "sunday-batch": ${field} "cron\\(30 2 \\? \\* SUN \\*\\)" falls in the hour that daylight saving time skips in ${timeZone} \\(next on ${day}\\);.*instances ${effect}.*\\[ack: cdk-ec2-scheduler:daylightSavingSkip\\]$`,
        ),
      );
    },
  );

  test.each([
    [
      '08:00 on weekdays in America/New_York',
      { start: WEEKDAYS_8, stop: WEEKDAYS_17 },
      'America/New_York',
    ],
    [
      'a 01:30 stop in America/New_York (a repeated hour, not a skipped one)',
      { stop: 'cron(30 1 ? * SUN *)' },
      'America/New_York',
    ],
    ['Sunday 02:30 in UTC', { start: 'cron(30 2 ? * SUN *)' }, 'UTC'],
  ])('%s gets no daylight-saving warning', (_what, options, timeZone) => {
    const stack = stackWith('quiet', options, timeZone);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('daylight saving'));
  });
});
