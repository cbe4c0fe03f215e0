import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Ec2Scheduler, Ec2SchedulerProps, Ec2SchedulerSpokeRole } from '../lib';
import { exactly, testStack } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

/** An instant as the messages that name "now" or a firing print it: local time, offset, zone (UTC here). */
const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+00:00 \\(UTC\\)';

function newScheduler(props?: Ec2SchedulerProps): Ec2Scheduler {
  return new Ec2Scheduler(testStack(), 'Scheduler', props);
}

/** Adds one schedule named "office-hours" to a fresh scheduler. */
function officeHours(options: Parameters<Ec2Scheduler['addSchedule']>[1]): () => void {
  return () => newScheduler().addSchedule('office-hours', options);
}

describe('bad input fails synth with a message naming the schedule, field, value and fix', () => {
  test.each<[string, () => void, RegExp]>([
    [
      'hour 25',
      officeHours({ start: WEEKDAYS_8, stop: 'cron(0 25 ? * MON-FRI *)' }),
      exactly(
        'schedule "office-hours": stop "cron(0 25 ? * MON-FRI *)" has hour 25; hours are 0-23',
      ),
    ],
    [
      'minute 60',
      officeHours({ start: 'cron(60 8 ? * MON-FRI *)' }),
      exactly(
        'schedule "office-hours": start "cron(60 8 ? * MON-FRI *)" has minute 60; minutes are 0-59',
      ),
    ],
    [
      '5 fields',
      officeHours({ start: 'cron(0 8 * * MON-FRI)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 * * MON-FRI)" has 5 fields; EventBridge cron has 6: minutes hours day-of-month month day-of-week year, e.g. cron(0 8 ? * MON-FRI *)',
      ),
    ],
    [
      'both day fields "?"',
      officeHours({ start: 'cron(0 8 ? * ? *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 ? * ? *)" has day-of-month "?" and day-of-week "?"; exactly one of them must be "?" (e.g. "? * MON-FRI" or "1 * ?")',
      ),
    ],
    [
      'neither day field "?"',
      officeHours({ start: 'cron(0 8 * * MON-FRI *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 * * MON-FRI *)" has day-of-month "*" and day-of-week "MON-FRI"; exactly one of them must be "?" (e.g. "? * MON-FRI" or "1 * ?")',
      ),
    ],
    [
      'day-of-week 8',
      officeHours({ start: 'cron(0 8 ? * 8 *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 ? * 8 *)" has day-of-week 8; days of week are 1-7',
      ),
    ],
    [
      'day-of-week 0 (cron-parser numbering)',
      officeHours({ start: 'cron(0 8 ? * 0-4 *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 ? * 0-4 *)" has day-of-week 0; days of week are 1-7',
      ),
    ],
    [
      'bad day name',
      officeHours({ start: 'cron(0 8 ? * MON-FRY *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 ? * MON-FRY *)" has day-of-week "FRY"; days of week are 1-7 or SUN-SAT',
      ),
    ],
    [
      'backwards range',
      officeHours({ stop: 'cron(0 17 ? * FRI-MON *)' }),
      exactly(
        'schedule "office-hours": stop "cron(0 17 ? * FRI-MON *)" has day-of-week range "FRI-MON" that runs backwards; write the lower value first',
      ),
    ],
    [
      '#6',
      officeHours({ start: 'cron(0 8 ? * MON#6 *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 ? * MON#6 *)" has day-of-week "MON#6"; the week after "#" is 1-5 (e.g. MON#1 for the first Monday)',
      ),
    ],
    [
      'L in a day-of-month list',
      officeHours({ start: 'cron(0 8 15,L * ? *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 15,L * ? *)" has day-of-month "15,L"; use L, LW or nW (e.g. 15W) on their own, not in a list or range',
      ),
    ],
    [
      'L in a day-of-week list',
      officeHours({ start: 'cron(0 8 ? * 2,6L *)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 ? * 2,6L *)" has day-of-week "2,6L"; use nL or n#k (e.g. 6L, MON#2) on their own, not in a list or range',
      ),
    ],
    [
      'year 2200',
      officeHours({ start: 'cron(0 8 1 1 ? 2200)' }),
      exactly(
        'schedule "office-hours": start "cron(0 8 1 1 ? 2200)" has year 2200; years are 1970-2199',
      ),
    ],
    [
      'a cron that never fires again (year 2020)',
      officeHours({ start: 'cron(0 8 1 1 ? 2020)' }),
      new RegExp(
        `^schedule "office-hours": start "cron\\(0 8 1 1 \\? 2020\\)" never fires after ${ISO}; check the day, month and year fields$`,
      ),
    ],
    [
      'a cron that never fires (30 February)',
      officeHours({ stop: 'cron(30 2 30 2 ? *)' }),
      exactly(
        'schedule "office-hours": stop "cron(30 2 30 2 ? *)" never fires: day-of-month "30" does not occur in month "2"; pick days that exist in those months',
      ),
    ],
    [
      'start and stop at the same minute',
      officeHours({ start: WEEKDAYS_8, stop: 'cron(0 8 ? * MON *)' }),
      new RegExp(
        `^schedule "office-hours": start "cron\\(0 8 \\? \\* MON-FRI \\*\\)" and stop "cron\\(0 8 \\? \\* MON \\*\\)" both fire at \\d{4}-\\d{2}-\\d{2}T08:00:00\\+00:00 \\(UTC\\); move one of them to another minute$`,
      ),
    ],
    [
      "start and stop at the same minute, told in the schedule's local time",
      officeHours({ start: WEEKDAYS_8, stop: 'cron(0 8 ? * MON *)', timeZone: 'Europe/Berlin' }),
      new RegExp(
        `^schedule "office-hours": start "cron\\(0 8 \\? \\* MON-FRI \\*\\)" and stop "cron\\(0 8 \\? \\* MON \\*\\)" both fire at \\d{4}-\\d{2}-\\d{2}T08:00:00\\+0[12]:00 \\(Europe/Berlin\\); move one of them to another minute$`,
      ),
    ],
    [
      'unknown time zone on the schedule',
      officeHours({ start: WEEKDAYS_8, stop: WEEKDAYS_17, timeZone: 'America/Gotham' }),
      exactly(
        'schedule "office-hours": timeZone "America/Gotham" is not an IANA time zone; use a name such as "America/New_York", "Europe/Berlin" or "UTC"',
      ),
    ],
    [
      'unknown time zone on the scheduler',
      () => newScheduler({ timeZone: 'Eastern Time' }),
      exactly(
        'timeZone "Eastern Time" is not an IANA time zone; use a name such as "America/New_York", "Europe/Berlin" or "UTC"',
      ),
    ],
    [
      'time zone in the wrong letter case',
      officeHours({ start: WEEKDAYS_8, timeZone: 'america/new_york' }),
      exactly(
        'schedule "office-hours": timeZone "america/new_york" is not an IANA time zone; use a name such as "America/New_York", "Europe/Berlin" or "UTC"',
      ),
    ],
    [
      'retryAttempts over 185',
      () => newScheduler({ retryAttempts: 200 }),
      exactly('retryAttempts 200 is not allowed; give a whole number from 0 to 185'),
    ],
    [
      'a bad cron when the time zone is a token',
      () =>
        newScheduler({ timeZone: Lazy.string({ produce: () => 'Europe/Berlin' }) }).addSchedule(
          'office-hours',
          { stop: 'cron(0 25 ? * MON-FRI *)' },
        ),
      exactly(
        'schedule "office-hours": stop "cron(0 25 ? * MON-FRI *)" has hour 25; hours are 0-23',
      ),
    ],
    [
      'malformed skip date',
      officeHours({
        start: WEEKDAYS_8,
        stop: WEEKDAYS_17,
        skipDates: ['2027-12-24', '12/25/2027'],
      }),
      exactly(
        'schedule "office-hours": skipDates[1] "12/25/2027" is not a real date in YYYY-MM-DD form; write e.g. "2026-12-25"',
      ),
    ],
    [
      'impossible skip date',
      officeHours({ start: WEEKDAYS_8, stop: WEEKDAYS_17, skipDates: ['2027-02-29'] }),
      exactly(
        'schedule "office-hours": skipDates[0] "2027-02-29" is not a real date in YYYY-MM-DD form; write e.g. "2026-12-25"',
      ),
    ],
    [
      'tag key starting with aws:',
      () => newScheduler({ tagKey: 'aws:schedule' }),
      exactly(
        'tagKey "aws:schedule" starts with "aws:", which AWS reserves; pick a key such as "Schedule"',
      ),
    ],
    [
      'tag key over 128 characters',
      () => newScheduler({ tagKey: 'S'.repeat(129) }),
      exactly(`tagKey "${'S'.repeat(129)}" is 129 characters long; tag keys are 1-128 characters`),
    ],
    [
      'schedule name that is not a valid tag value',
      () => newScheduler().addSchedule('office-hours!', { stop: WEEKDAYS_17 }),
      exactly(
        'schedule name "office-hours!" is not a valid tag value; use letters, digits, spaces and _ . : / = + - @',
      ),
    ],
    [
      // A tag value may have 256 characters, but EC2 refuses filter values over 255, so the
      // functions could never list the instances of such a schedule.
      'schedule name of 256 characters',
      () => newScheduler().addSchedule('s'.repeat(256), { stop: WEEKDAYS_17 }),
      exactly(
        `schedule name "${'s'.repeat(256)}" is 256 characters long; the functions find its instances with a DescribeInstances filter, and EC2 takes filter values of 1-255 characters`,
      ),
    ],
    [
      'duplicate schedule name',
      () => {
        const scheduler = newScheduler();
        scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
        scheduler.addSchedule('office-hours', { stop: 'cron(0 19 ? * MON-FRI *)' });
      },
      exactly(
        'schedule "office-hours" is added twice; schedule names are tag values and must be unique within one Ec2Scheduler',
      ),
    ],
    [
      'neither start nor stop',
      officeHours({ skipDates: ['2027-12-24'] }),
      exactly(
        `schedule "office-hours": has neither start nor stop; give at least one, e.g. stop: 'cron(0 19 ? * MON-FRI *)'`,
      ),
    ],
    [
      'additionalStops repeating stop',
      officeHours({ start: WEEKDAYS_8, stop: WEEKDAYS_17, additionalStops: [WEEKDAYS_17] }),
      exactly(
        'schedule "office-hours": additionalStops[0] "cron(0 17 ? * MON-FRI *)" is the same expression as stop "cron(0 17 ? * MON-FRI *)"; the stop function would run twice at each of its minutes, so remove additionalStops[0]',
      ),
    ],
    [
      'additionalStarts repeating start in other letter case and spacing',
      officeHours({ start: WEEKDAYS_8, additionalStarts: ['cron( 0  8 ? * mon-fri * )'] }),
      exactly(
        'schedule "office-hours": additionalStarts[0] "cron( 0  8 ? * mon-fri * )" is the same expression as start "cron(0 8 ? * MON-FRI *)"; the start function would run twice at each of its minutes, so remove additionalStarts[0]',
      ),
    ],
    [
      'two additionalStops alike',
      officeHours({
        start: WEEKDAYS_8,
        stop: WEEKDAYS_17,
        additionalStops: ['cron(0 22 * * ? *)', 'cron(0 22 * * ? *)'],
      }),
      exactly(
        'schedule "office-hours": additionalStops[1] "cron(0 22 * * ? *)" is the same expression as additionalStops[0] "cron(0 22 * * ? *)"; the stop function would run twice at each of its minutes, so remove additionalStops[1]',
      ),
    ],
    [
      'timeout over 15 minutes',
      () => newScheduler({ timeout: Duration.minutes(20) }),
      exactly(
        "timeout 1200 s is not allowed; give whole seconds from 1 to 900 (15 minutes, Lambda's longest), e.g. Duration.minutes(15)",
      ),
    ],
    [
      'timeout 0 s (named, not verifyTimeout)',
      () => newScheduler({ timeout: Duration.seconds(0) }),
      exactly(
        "timeout 0 s is not allowed; give whole seconds from 1 to 900 (15 minutes, Lambda's longest), e.g. Duration.minutes(15)",
      ),
    ],
    [
      'timeout of 1,500 ms',
      () => newScheduler({ timeout: Duration.millis(1500) }),
      exactly(
        "timeout 1.5 s is not allowed; give whole seconds from 1 to 900 (15 minutes, Lambda's longest), e.g. Duration.minutes(15)",
      ),
    ],
    [
      'timeout as a token',
      () => newScheduler({ timeout: Duration.seconds(Lazy.number({ produce: () => 60 })) }),
      exactly(
        "timeout is an unresolved token; the functions' inputs and checks need its value at synth, so give a literal such as Duration.minutes(15)",
      ),
    ],
    [
      'verifyTimeout of 500 ms',
      () => newScheduler({ verifyTimeout: Duration.millis(500) }),
      exactly(
        'verifyTimeout 0.5 s is not allowed; give whole seconds from 0 (no verification) to 900, shorter than timeout, e.g. Duration.minutes(3)',
      ),
    ],
    [
      'maxEventAge of 1,500 ms',
      () => newScheduler({ maxEventAge: Duration.millis(1500) }),
      exactly(
        "maxEventAge 1.5 s is not allowed; give whole seconds from 60 (1 minute) to 86400 (1 day), EventBridge Scheduler's range, e.g. Duration.hours(1)",
      ),
    ],
    [
      'maxOverride of 1,500 ms',
      () => newScheduler({ maxOverride: Duration.millis(1500) }),
      exactly(
        'maxOverride 1.5 s is not allowed; give whole seconds from 60 (1 minute) to 31622400 (366 days), e.g. Duration.days(7)',
      ),
    ],
    [
      'enforceEvery of 500 ms',
      () => newScheduler({ enforceEvery: Duration.millis(500) }),
      exactly(
        'enforceEvery 0.5 s is not allowed; give whole minutes from 5 minutes to 1 day, e.g. Duration.hours(1)',
      ),
    ],
    [
      'a schedule name that is a token',
      () =>
        newScheduler().addSchedule(Lazy.string({ produce: () => 'lab' }), { stop: WEEKDAYS_17 }),
      /^schedule name "\$\{Token\[TOKEN\.\d+\]\}" is an unresolved token; the name is the tag value the functions look for and a value of their IAM conditions, both fixed at synth, so give a literal string such as "office-hours"$/,
    ],
    [
      'a tagKey whose override tag is too long, with audit tags',
      () => newScheduler({ tagKey: 'k'.repeat(125) }),
      /^tagKey "k{125}" is 125 characters long; the override tag "k{125}:override" derived from it is 134 characters, and EC2 tag keys are at most 128, so use a tagKey of at most 116 characters$/,
    ],
    [
      'a rate expression',
      officeHours({ stop: 'rate(5 minutes)' }),
      exactly(
        'schedule "office-hours": stop "rate(5 minutes)" is not a cron expression; write cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 8 ? * MON-FRI *)',
      ),
    ],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });
});

describe('valid input', () => {
  test('tokens are not checked', () => {
    const scheduler = newScheduler();
    expect(() =>
      scheduler.addSchedule('office-hours', {
        // Would fail as a literal (hour 25); a token is only known at deploy time.
        start: Lazy.string({ produce: () => 'cron(0 25 ? * MON-FRI *)' }),
        stop: WEEKDAYS_17,
        skipDates: [Lazy.string({ produce: () => 'not a date' })],
      }),
    ).not.toThrow();
  });

  test.each([
    ['last weekday', 'cron(0 8 LW * ? *)'],
    ['nearest weekday', 'cron(0 8 15W * ? *)'],
    ['last Friday', 'cron(0 8 ? * 6L *)'],
    ['first Monday', 'cron(0 8 ? * MON#1 *)'],
    ['Sunday as 1', 'cron(0 8 ? * 1 *)'],
    ['leap day', 'cron(0 8 29 2 ? *)'],
    ['steps', 'cron(0/15 8-17 ? * MON-FRI *)'],
  ])('EventBridge syntax is accepted: %s %s', (_name, start) => {
    expect(() =>
      newScheduler().addSchedule('office-hours', { start, stop: 'cron(59 23 ? * MON-FRI *)' }),
    ).not.toThrow();
  });

  test('a name that differs from another only in case is a different schedule', () => {
    const scheduler = newScheduler();
    scheduler.addSchedule('Lab', { stop: WEEKDAYS_17 });
    expect(() => scheduler.addSchedule('lab', { stop: WEEKDAYS_17 })).not.toThrow();
  });

  test('names that differ only in characters not allowed in construct ids are distinct', () => {
    const scheduler = newScheduler();
    scheduler.addSchedule('team a', { stop: WEEKDAYS_17 });
    expect(() => scheduler.addSchedule('team_a', { stop: WEEKDAYS_17 })).not.toThrow();
  });
});

describe('the spoke role checks the keys derived from its tagKey as the scheduler does', () => {
  const spoke = (tagKey: string, auditTags?: boolean) => () =>
    new Ec2SchedulerSpokeRole(testStack(), 'Spoke', {
      hubAccount: '111122223333',
      scheduleNames: ['office-hours'],
      tagKey,
      auditTags,
    });

  test.each<[string, () => void, RegExp]>([
    [
      'the override tag, without audit tags',
      spoke('k'.repeat(120), false),
      /^tagKey "k{120}" is 120 characters long; the override tag "k{120}:override" derived from it is 129 characters, and EC2 tag keys are at most 128, so use a tagKey of at most 119 characters$/,
    ],
    [
      'the audit tag',
      spoke('k'.repeat(117)),
      /^tagKey "k{117}" is 117 characters long; the audit tag "k{117}:last-action" derived from it is 129 characters, and EC2 tag keys are at most 128, so use a tagKey of at most 116 characters, or set auditTags: false$/,
    ],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });

  test.each([
    ['116 characters with audit tags', spoke('k'.repeat(116))],
    ['119 characters without', spoke('k'.repeat(119), false)],
  ])('a tagKey of %s fits', (_name, act) => {
    expect(act).not.toThrow();
  });
});

test('a scheduler with no schedules fails synth with a message naming addSchedule', () => {
  const scheduler = newScheduler();
  expect(() => Template.fromStack(Stack.of(scheduler))).toThrow(
    /Ec2Scheduler "Stack\/Scheduler" has no schedules; call addSchedule\('office-hours'/,
  );
});

describe('warnings', () => {
  let annotations: Annotations;
  beforeAll(() => {
    const scheduler = newScheduler();
    scheduler.addSchedule('nightly', {
      stop: 'cron(0 19 ? * MON-FRI *)',
      skipDates: ['2027-12-24'],
    });
    scheduler.addSchedule('early', { start: 'cron(0 6 ? * MON-FRI *)', hibernate: true });
    scheduler.addSchedule('office-hours', {
      start: WEEKDAYS_8,
      stop: WEEKDAYS_17,
      skipDates: ['2027-12-24'],
      hibernate: true,
    });
    scheduler.addSchedule('two-stops', {
      start: 'cron(0 7 ? * MON-FRI *)',
      stop: 'cron(0 18 ? * MON-FRI *)',
      additionalStops: ['cron(0 18 * * ? *)', 'cron(0 22 * * ? *)'],
    });
    scheduler.addSchedule('distinct-starts', {
      start: 'cron(0 7 ? * MON *)',
      additionalStarts: ['cron(0 7 ? * TUE-FRI *)', 'cron(30 7 ? * MON-FRI *)'],
    });
    annotations = Annotations.fromStack(Stack.of(scheduler));
  });

  test('two different expressions of one side sharing a minute, with the first such minute', () => {
    const warnings = annotations.findWarning(
      '/Stack/Scheduler',
      Match.stringLikeRegexp('two-stops'),
    );
    expect(warnings.map((w) => w.entry.data)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^schedule "two-stops": stop "cron\\(0 18 \\? \\* MON-FRI \\*\\)" and additionalStops\\[0\\] "cron\\(0 18 \\* \\* \\? \\*\\)" both fire at ${ISO}, the first such minute; the stop function then runs twice, and the second run finds nothing left to stop. Move one of them to another minute if that is not meant \\[ack: cdk-ec2-scheduler:sameMinute\\]$`,
        ),
      ),
    ]);
    const [at] = /\d{4}-\d{2}-\d{2}T[\d:]+\+00:00/.exec(String(warnings[0].entry.data))!;
    // 18:00 in UTC (the scheduler's zone) on a weekday, the first after synth.
    expect(new Date(at).getUTCHours()).toBe(18);
    expect([1, 2, 3, 4, 5]).toContain(new Date(at).getUTCDay());
    expect(new Date(at).getTime() - Date.now()).toBeLessThanOrEqual(
      3 * 86_400_000 + 18 * 3_600_000,
    );
  });

  test('no warning for expressions of one side that never share a minute', () => {
    annotations.hasNoWarning('*', Match.stringLikeRegexp('distinct-starts'));
  });

  test('skipDates on a schedule without start', () => {
    annotations.hasWarning(
      '/Stack/Scheduler',
      Match.stringLikeRegexp(
        '^schedule "nightly": skipDates only suppress starts, and this schedule has no start',
      ),
    );
  });

  test('hibernate on a schedule without stop', () => {
    annotations.hasWarning(
      '/Stack/Scheduler',
      Match.stringLikeRegexp(
        '^schedule "early": hibernate applies to stops, and this schedule has no stop',
      ),
    );
  });

  test('no warning for a schedule that uses skipDates and hibernate as meant', () => {
    annotations.hasNoWarning('*', Match.stringLikeRegexp('office-hours'));
  });
});
