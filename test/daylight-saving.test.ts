/**
 * Exact firing times at daylight-saving edges, through the public API: each reproduction of a
 * defect once found in the cron engine, with the answer checked by hand against the zone's rules.
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CronExpressionParser } from 'cron-parser';
import { Ec2Scheduler } from '../lib';
import { parseEventBridgeCron } from '../lib/schedule/cron';
import { nextFirings } from '../lib/schedule/firings';
import { previewSchedule } from '../lib/schedule/preview';
import { clockChanges, instantsOf } from '../lib/schedule/time-zone';
import { testStack } from './support/app';

/** The UTC instants of the next `count` firings of a start-only schedule. */
function starts(start: string, timeZone: string, from: string, count: number): string[] {
  return previewSchedule({ start, timeZone }, { after: new Date(from), count }).transitions.map(
    (t) => t.utc,
  );
}

describe('a half-hour clock change (Australia/Lord_Howe, 02:00 -> 01:30 on Sun 5 April 2026)', () => {
  test('a weekly Sunday 08:00 start keeps firing after the change: 21:30Z on Saturdays', () => {
    // 08:00 local at +10:30 (standard time) is 21:30Z the day before.
    expect(starts('cron(0 8 ? * SUN *)', 'Australia/Lord_Howe', '2026-03-30T00:00:00Z', 3)).toEqual(
      ['2026-04-04T21:30:00Z', '2026-04-11T21:30:00Z', '2026-04-18T21:30:00Z'],
    );
  });

  test('the preview from 1 March runs through the change week by week, not on to March 2027', () => {
    // Daylight time (+11) until 5 April: 08:00 is 21:00Z; then 21:30Z.
    expect(starts('cron(0 8 ? * SUN *)', 'Australia/Lord_Howe', '2026-03-01T00:00:00Z', 6)).toEqual(
      [
        '2026-03-07T21:00:00Z',
        '2026-03-14T21:00:00Z',
        '2026-03-21T21:00:00Z',
        '2026-03-28T21:00:00Z',
        '2026-04-04T21:30:00Z',
        '2026-04-11T21:30:00Z',
      ],
    );
  });

  describe('addSchedule in March 2026 (clock pinned to 2026-03-20T00:00:00Z)', () => {
    beforeAll(() => {
      jest.useFakeTimers({ now: new Date('2026-03-20T00:00:00Z'), doNotFake: ['nextTick'] });
    });
    afterAll(() => {
      jest.useRealTimers();
    });

    test.each([
      ['cron(0 8 ? * SUN *)', '2026-03-22T08:00:00+11:00'],
      ['cron(0 8 ? * 1#1 *)', '2026-04-05T08:00:00+10:30'],
      ['cron(0 8 5 * ? *)', '2026-04-05T08:00:00+10:30'],
    ])('accepts %s, which fires across the change, and names its next start', (start, next) => {
      const stack: Stack = testStack();
      stack.node.setContext('cdk-ec2-scheduler:synthNotes', true);
      new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'Australia/Lord_Howe' }).addSchedule(
        'island',
        { start, stop: 'cron(0 18 ? * * *)' },
      );
      Annotations.fromStack(stack).hasInfo(
        '*',
        Match.stringLikeRegexp(`next start ${next.replace('+', '\\+')},`),
      );
    });
  });

  test('the clock change is found to the minute, and 01:45 local occurs twice', () => {
    expect(
      clockChanges(
        'Australia/Lord_Howe',
        new Date('2026-04-01T00:00:00Z'),
        new Date('2026-04-10T00:00:00Z'),
      ),
    ).toEqual([{ at: Date.parse('2026-04-04T15:00:00Z'), fromMinutes: 660, toMinutes: 630 }]);
    expect(instantsOf('Australia/Lord_Howe', Date.UTC(2026, 3, 5, 1, 45))).toEqual([
      Date.parse('2026-04-04T14:45:00Z'),
      Date.parse('2026-04-04T15:15:00Z'),
    ]);
  });
});

describe('the first real minute after a spring-forward gap fires', () => {
  test('Lord_Howe, 4 October 2026 (02:00 -> 02:30): 02:30 local exists and fires at 15:30Z', () => {
    expect(starts('cron(30 * * * ? *)', 'Australia/Lord_Howe', '2026-10-03T13:00:00Z', 4)).toEqual([
      '2026-10-03T14:00:00Z', // 00:30 at +10:30
      '2026-10-03T15:00:00Z', // 01:30 at +10:30
      '2026-10-03T15:30:00Z', // 02:30 at +11: the clocks jumped from 02:00 to 02:30
      '2026-10-03T16:30:00Z', // 03:30 at +11
    ]);
    expect(instantsOf('Australia/Lord_Howe', Date.UTC(2026, 9, 4, 2, 15))).toEqual([]);
  });

  test('Pacific/Chatham, 27 September 2026 (02:45 -> 03:45): 03:45 local fires at 14:00Z', () => {
    expect(starts('cron(45 3 * * ? *)', 'Pacific/Chatham', '2026-09-25T00:00:00Z', 3)).toEqual([
      '2026-09-25T15:00:00Z', // 03:45 at +12:45
      '2026-09-26T14:00:00Z', // 03:45 at +13:45, the first minute after the jump
      '2026-09-27T14:00:00Z',
    ]);
  });
});

describe('a repeated hour fires once, at its first pass, even when `from` is between the passes', () => {
  test.each([
    // 01:30 on 1 Nov 2026 is 05:30Z (EDT) and 06:30Z (EST); from 06:00Z the next is 2 November.
    ['America/New_York', '2026-11-01T06:00:00Z', ['2026-11-02T06:30:00Z', '2026-11-03T06:30:00Z']],
    // 01:30 on 31 Oct 2027 is 00:30Z (BST) and 01:30Z (GMT); from 01:00Z the next is 1 November.
    ['Europe/London', '2027-10-31T01:00:00Z', ['2027-11-01T01:30:00Z', '2027-11-02T01:30:00Z']],
  ])('a daily 01:30 in %s from %s', (timeZone, from, expected) => {
    expect(starts('cron(30 1 * * ? *)', timeZone, from, 2)).toEqual(expected);
  });

  test('from before the first pass, the first pass fires', () => {
    expect(starts('cron(30 1 * * ? *)', 'America/New_York', '2026-11-01T05:00:00Z', 1)).toEqual([
      '2026-11-01T05:30:00Z',
    ]);
  });
});

describe('nW where day n does not exist in the month', () => {
  test('31W does not fire in months without a 31st (April, June), nor moves to the 30th', () => {
    expect(starts('cron(0 8 31W * ? *)', 'UTC', '2027-03-01T00:00:00Z', 4)).toEqual([
      '2027-03-31T08:00:00Z', // Wednesday
      '2027-05-31T08:00:00Z', // Monday
      '2027-07-30T08:00:00Z', // the 31st is a Saturday: Friday the 30th
      '2027-08-31T08:00:00Z',
    ]);
  });

  test('30W never fires in February', () => {
    const dates = starts('cron(0 8 30W * ? *)', 'UTC', '2028-01-01T00:00:00Z', 3);
    expect(dates.map((d) => d.slice(0, 7))).toEqual(['2028-01', '2028-03', '2028-04']);
  });

  describe('synth warns when n is over 28', () => {
    test.each([['29W'], ['30W'], ['31W']])('%s', (day) => {
      const stack = testStack();
      new Ec2Scheduler(stack, 'Scheduler').addSchedule('month-end', {
        stop: `cron(0 20 ${day} * ? *)`,
      });
      Annotations.fromStack(stack).hasWarning(
        '*',
        Match.stringLikeRegexp(
          `^schedule "month-end": stop "cron\\(0 20 ${day} \\* \\? \\*\\)" uses ${day}, the weekday nearest day ${day.slice(0, 2)}; in months without a day ${day.slice(0, 2)} it does not fire at all, so instances will not stop those months\\. Use LW for the last weekday of every month`,
        ),
      );
    });

    test('28W gets no warning', () => {
      const stack = testStack();
      new Ec2Scheduler(stack, 'Scheduler').addSchedule('month-end', {
        stop: 'cron(0 20 28W * ? *)',
      });
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('nearest'));
    });
  });
});

describe('a first firing far ahead', () => {
  test('cron(* 3 ? * 2 2199) previews its first firings in January 2199, the first Monday', () => {
    expect(new Date(Date.UTC(2199, 0, 7)).getUTCDay()).toBe(1); // a Monday
    expect(starts('cron(* 3 ? * 2 2199)', 'UTC', '2026-12-01T00:00:00Z', 2)).toEqual([
      '2199-01-07T03:00:00Z',
      '2199-01-07T03:01:00Z',
    ]);
  });

  test('the fifth Sunday of February comes in leap years that start on a Sunday: 2032, 2060', () => {
    expect(starts('cron(0 8 ? FEB 1#5 *)', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual([
      '2032-02-29T08:00:00Z',
      '2060-02-29T08:00:00Z',
    ]);
  });
});

test('an unexpected error surfaces instead of reading as "no more firings"', () => {
  expect(() =>
    nextFirings(parseEventBridgeCron('cron(0 8 * * ? *)'), 'Mars/Olympus_Mons', new Date(), 1),
  ).toThrow(RangeError);
});

describe('cron-parser agrees in UTC, where no clock changes (its one reliable setting)', () => {
  // Each EventBridge expression with the 5-field cron-parser form that means the same
  // (day-of-week 0-6 = SUN-SAT, no year, no W).
  test.each([
    ['cron(0 8 ? * MON-FRI *)', '0 8 * * 1-5'],
    ['cron(15,45 */6 ? * SUN,SAT *)', '15,45 */6 * * 0,6'],
    ['cron(0 12 L * ? *)', '0 12 L * *'],
    ['cron(30 9 ? * 6L *)', '30 9 * * 5L'],
    ['cron(0 7 ? * MON#2 *)', '0 7 * * 1#2'],
    ['cron(0 0 1,15 JAN,JUL ? *)', '0 0 1,15 1,7 *'],
    ['cron(5/20 1-3 29 2 ? *)', '5/20 1-3 29 2 *'],
    ['cron(0 22 ? * 1#5 *)', '0 22 * * 0#5'],
  ])('%s', (eventBridge, parserForm) => {
    const from = new Date('2026-12-01T00:00:00Z');
    const ours = nextFirings(parseEventBridgeCron(eventBridge), 'UTC', from, 40);
    const it = CronExpressionParser.parse(parserForm, { currentDate: from, tz: 'UTC' });
    const theirs = ours.map(() => it.next().toDate().toISOString());
    expect(ours.map((d) => d.toISOString())).toEqual(theirs);
  });
});
