import { CronError, parseEventBridgeCron } from '../lib/schedule/cron';
import { nextFiring, nextFirings } from '../lib/schedule/firings';
import { isCalendarDate, isValidTimeZone, localDate } from '../lib/schedule/time-zone';

/** The first `count` firings of `expression` in `timeZone` after `after`, as ISO strings. */
function fire(expression: string, timeZone: string, after: string, count: number): string[] {
  return nextFirings(parseEventBridgeCron(expression), timeZone, new Date(after), count).map((d) =>
    d.toISOString(),
  );
}

describe('parseEventBridgeCron', () => {
  test('keeps the expression it was given', () => {
    expect(parseEventBridgeCron(' cron(0 8 ? * MON-FRI *) ').expression).toBe(
      'cron(0 8 ? * MON-FRI *)',
    );
  });

  test.each([
    ['rate(5 minutes)', /is not a cron expression/],
    ['cron(0 8 * * ?)', /^has 5 fields; EventBridge cron has 6/],
    ['cron(0 24 ? * MON-FRI *)', /^has hour 24; hours are 0-23$/],
    ['cron(0 8 ? * 0 *)', /^has day-of-week 0; days of week are 1-7$/],
  ])('rejects %s with a CronError', (expression, message) => {
    expect(() => parseEventBridgeCron(expression)).toThrow(CronError);
    expect(() => parseEventBridgeCron(expression)).toThrow(message);
  });

  test('names are case-insensitive', () => {
    expect(fire('cron(0 12 ? * mon *)', 'UTC', '2027-01-01T00:00:00Z', 1)).toEqual([
      '2027-01-04T12:00:00.000Z',
    ]);
  });
});

describe('nextFirings / nextFiring', () => {
  test('weekdays at 08:00 New York time follow the March 2027 daylight-saving change', () => {
    // Fri 12 March is EST (UTC-5); Mon 15 March is EDT (UTC-4), after the change on Sun 14 March.
    expect(fire('cron(0 8 ? * MON-FRI *)', 'America/New_York', '2027-03-12T00:00:00Z', 3)).toEqual([
      '2027-03-12T13:00:00.000Z',
      '2027-03-15T12:00:00.000Z',
      '2027-03-16T12:00:00.000Z',
    ]);
  });

  test('firings are strictly after `after`', () => {
    expect(fire('cron(0 8 ? * MON-FRI *)', 'UTC', '2027-03-15T08:00:00Z', 1)).toEqual([
      '2027-03-16T08:00:00.000Z',
    ]);
  });

  test('day-of-week 1 is Sunday and 7 is Saturday', () => {
    expect(fire('cron(0 12 ? * 1 *)', 'UTC', '2027-03-01T00:00:00Z', 2)).toEqual([
      '2027-03-07T12:00:00.000Z', // Sunday
      '2027-03-14T12:00:00.000Z',
    ]);
    expect(fire('cron(0 12 ? * 7 *)', 'UTC', '2027-03-01T00:00:00Z', 1)).toEqual([
      '2027-03-06T12:00:00.000Z', // Saturday
    ]);
  });

  test('L in day-of-month is the last day of each month, 29 February in a leap year', () => {
    expect(fire('cron(0 12 L * ? *)', 'UTC', '2028-01-15T00:00:00Z', 3)).toEqual([
      '2028-01-31T12:00:00.000Z',
      '2028-02-29T12:00:00.000Z',
      '2028-03-31T12:00:00.000Z',
    ]);
  });

  test('LW is the last weekday of each month', () => {
    // 31 Jan 2027 and 28 Feb 2027 are Sundays: the Fridays before them.
    expect(fire('cron(0 12 LW * ? *)', 'UTC', '2027-01-01T00:00:00Z', 4)).toEqual([
      '2027-01-29T12:00:00.000Z',
      '2027-02-26T12:00:00.000Z',
      '2027-03-31T12:00:00.000Z',
      '2027-04-30T12:00:00.000Z',
    ]);
  });

  test('15W is the weekday nearest the 15th', () => {
    // 15 May 2027 is a Saturday (-> Fri 14), 15 Aug 2027 a Sunday (-> Mon 16).
    expect(fire('cron(0 12 15W * ? *)', 'UTC', '2027-04-01T00:00:00Z', 5)).toEqual([
      '2027-04-15T12:00:00.000Z',
      '2027-05-14T12:00:00.000Z',
      '2027-06-15T12:00:00.000Z',
      '2027-07-15T12:00:00.000Z',
      '2027-08-16T12:00:00.000Z',
    ]);
  });

  test('1W never moves into the previous month', () => {
    // 1 May 2027 is a Saturday: the nearest weekday in May is Mon 3.
    expect(fire('cron(0 12 1W * ? *)', 'UTC', '2027-04-15T00:00:00Z', 1)).toEqual([
      '2027-05-03T12:00:00.000Z',
    ]);
  });

  test('6L is the last Friday of each month', () => {
    expect(fire('cron(0 12 ? * 6L *)', 'UTC', '2027-01-01T00:00:00Z', 3)).toEqual([
      '2027-01-29T12:00:00.000Z',
      '2027-02-26T12:00:00.000Z',
      '2027-03-26T12:00:00.000Z',
    ]);
  });

  test('MON#1 is the first Monday of each month', () => {
    expect(fire('cron(0 12 ? * MON#1 *)', 'UTC', '2027-01-01T00:00:00Z', 3)).toEqual([
      '2027-01-04T12:00:00.000Z',
      '2027-02-01T12:00:00.000Z',
      '2027-03-01T12:00:00.000Z',
    ]);
  });

  test('the year field limits firings to the listed years, then stops', () => {
    expect(fire('cron(0 12 1 1 ? 2029,2031)', 'UTC', '2027-01-01T00:00:00Z', 5)).toEqual([
      '2029-01-01T12:00:00.000Z',
      '2031-01-01T12:00:00.000Z',
    ]);
    expect(
      nextFiring(
        parseEventBridgeCron('cron(0 12 1 1 ? 2029,2031)'),
        'UTC',
        new Date('2031-06-01T00:00:00Z'),
      ),
    ).toBeUndefined();
  });

  test('the year is the local year of the time zone', () => {
    // Noon on 1 January 2029 in Kiritimati (UTC+14) is still 31 December 2028 in UTC.
    expect(
      fire('cron(0 12 1 1 ? 2029,2031)', 'Pacific/Kiritimati', '2027-01-01T00:00:00Z', 1),
    ).toEqual(['2028-12-31T22:00:00.000Z']);
  });

  test('29 February fires only in leap years', () => {
    expect(fire('cron(0 0 29 2 ? *)', 'UTC', '2027-01-01T00:00:00Z', 3)).toEqual([
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
      '2036-02-29T00:00:00.000Z',
    ]);
  });

  test('a 02:30 start on the US spring-forward day is skipped, not moved to 03:30', () => {
    // 14 March 2027: New York clocks jump from 02:00 to 03:00.
    const firings = fire('cron(30 2 * * ? *)', 'America/New_York', '2027-03-13T12:00:00Z', 2);
    expect(firings).not.toContain('2027-03-14T07:30:00.000Z'); // 03:30 EDT
    expect(firings).toEqual(['2027-03-15T06:30:00.000Z', '2027-03-16T06:30:00.000Z']);
  });

  test('a 01:30 firing on the US fall-back day happens once, at its first occurrence', () => {
    // 7 November 2027: New York clocks go back from 02:00 EDT to 01:00 EST, so 01:30 occurs twice.
    expect(fire('cron(30 1 * * ? *)', 'America/New_York', '2027-11-06T12:00:00Z', 3)).toEqual([
      '2027-11-07T05:30:00.000Z', // 01:30 EDT
      '2027-11-08T06:30:00.000Z', // 01:30 EST the next day; not 06:30Z on the 7th
      '2027-11-09T06:30:00.000Z',
    ]);
  });

  test('an every-30-minutes schedule does not fire the repeated fall-back hour twice', () => {
    // 7 November 2027, New York: 01:00-01:59 happens twice; each local time fires once.
    expect(fire('cron(0/30 * * * ? *)', 'America/New_York', '2027-11-07T04:00:00Z', 5)).toEqual([
      '2027-11-07T04:30:00.000Z', // 00:30 EDT
      '2027-11-07T05:00:00.000Z', // 01:00 EDT
      '2027-11-07T05:30:00.000Z', // 01:30 EDT
      '2027-11-07T07:00:00.000Z', // 02:00 EST: 01:00 and 01:30 EST are not fired again
      '2027-11-07T07:30:00.000Z',
    ]);
  });

  test('an expression that never fires again yields nothing', () => {
    const cron = parseEventBridgeCron('cron(0 8 1 1 ? 2020)');
    expect(nextFirings(cron, 'UTC', new Date('2027-01-01T00:00:00Z'), 3)).toEqual([]);
    expect(nextFiring(cron, 'UTC', new Date('2027-01-01T00:00:00Z'))).toBeUndefined();
  });

  test('nextFiring is the first of nextFirings', () => {
    const cron = parseEventBridgeCron('cron(0 8 ? * MON-FRI *)');
    expect(nextFiring(cron, 'Europe/Berlin', new Date('2027-03-12T00:00:00Z'))?.toISOString()).toBe(
      '2027-03-12T07:00:00.000Z',
    );
  });
});

describe('localDate', () => {
  test.each([
    // Kiritimati is UTC+14 all year.
    ['2027-01-01T09:59:59Z', 'Pacific/Kiritimati', '2027-01-01'],
    ['2027-01-01T10:00:00Z', 'Pacific/Kiritimati', '2027-01-02'],
    // Auckland is UTC+13 in January (daylight saving).
    ['2027-01-01T10:59:00Z', 'Pacific/Auckland', '2027-01-01'],
    ['2027-01-01T11:00:00Z', 'Pacific/Auckland', '2027-01-02'],
    // Honolulu is UTC-10: the UTC date is a day ahead until 10:00Z.
    ['2027-01-02T09:59:00Z', 'Pacific/Honolulu', '2027-01-01'],
    ['2027-01-02T09:59:00Z', 'UTC', '2027-01-02'],
  ])('%s in %s is %s', (at, timeZone, date) => {
    expect(localDate(new Date(at), timeZone)).toBe(date);
  });
});

describe('isValidTimeZone', () => {
  test.each(['UTC', 'America/New_York', 'Europe/Berlin', 'Pacific/Kiritimati', 'Etc/GMT+5'])(
    '%s is valid',
    (timeZone) => {
      expect(isValidTimeZone(timeZone)).toBe(true);
    },
  );

  test.each(['Mars/Olympus', 'America/Gotham', '', '+05:00', 'UTC; DROP'])(
    '%p is not valid',
    (timeZone) => {
      expect(isValidTimeZone(timeZone)).toBe(false);
    },
  );
});

describe('isCalendarDate', () => {
  test.each(['2028-02-29', '2026-12-25', '2027-01-31'])('%s is a calendar date', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  test.each(['2027-02-29', '2027-04-31', '2027-13-01', '2027-00-10', '2027-1-01', '27-01-01', ''])(
    '%p is not a calendar date',
    (date) => {
      expect(isCalendarDate(date)).toBe(false);
    },
  );
});
