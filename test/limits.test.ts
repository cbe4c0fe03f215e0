/**
 * One set of limits (lib/common/limits.ts) for synth and the functions: for each, the largest value synth
 * accepts synthesizes AND every schedule input it produces passes the functions' event parser
 * (with the deployment the functions read from their environment); one more fails synth, naming
 * the field, the value, the limit and the fix.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Ec2Scheduler, type Ec2SchedulerProps, type ScheduleOptions } from '../lib';
import {
  LAMBDA_TIMEOUT_SECONDS,
  MAX_ASYNC_PAYLOAD_BYTES,
  MAX_CRON_EXPRESSION,
  MAX_EVENT_AGE_SECONDS,
  MAX_SCHEDULE_NAME,
  MAX_SKIP_DATES,
  MAX_TIME_ZONE,
  MAX_TIMES_PER_SIDE,
  OVERRIDE_REACH_SECONDS,
  RETRY_ATTEMPTS,
} from '../lib/common/limits';
import { deploymentFromEnv, parseScheduleInput } from '../lib/contract/schedule-input-parser';
import { DEPLOYMENT_ENV, type SchedulerEvent } from '../lib/contract/schedule-input';
import { handle } from '../lambda/handle';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import { exactly, testStack } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';
import { depsFor, FIFTEEN_MINUTES, officeHoursEvent, UNLIMITED } from './support/runs';

interface Case {
  readonly props?: Ec2SchedulerProps;
  readonly schedule?: Partial<ScheduleOptions>;
  readonly name?: string;
}

/** A scheduler with one schedule (office hours unless the case says otherwise), in its own stack. */
function build({ props, schedule, name = 'office-hours' }: Case): Stack {
  const stack = testStack();
  new Ec2Scheduler(stack, 'Scheduler', props).addSchedule(name, {
    start: WEEKDAYS_8,
    stop: WEEKDAYS_17,
    ...schedule,
  });
  return stack;
}

interface Synthesized {
  readonly template: Template;
  /** Each schedule's input, as EventBridge Scheduler sends it (the `Target.Input` text). */
  readonly inputs: readonly string[];
}

/**
 * Synthesizes the stack and parses every schedule input as the functions do, against the
 * deployment in the functions' environment; fails the test if the parser refuses one.
 */
function synthesizeAndParse(stack: Stack): Synthesized {
  const template = Template.fromStack(stack);
  const functions = Object.values(template.findResources('AWS::Lambda::Function')).map(
    (f) => (f.Properties as { Environment: { Variables: Record<string, string> } }).Environment,
  );
  expect(functions).toHaveLength(2);
  const deployment = deploymentFromEnv(functions[0].Variables, DEPLOYMENT_ENV);
  const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
    (s) => (s.Properties as { Target: { Input: string } }).Target.Input,
  );
  expect(inputs.length).toBeGreaterThan(0);
  for (const text of inputs) {
    const raw = JSON.parse(text) as SchedulerEvent;
    expect(() => parseScheduleInput(raw, raw.action, { deployment })).not.toThrow();
  }
  return { template, inputs };
}

/** `count` consecutive real dates from 2027-01-01. */
function dates(count: number): string[] {
  const first = Date.UTC(2027, 0, 1);
  return Array.from({ length: count }, (_, i) =>
    new Date(first + i * 86_400_000).toISOString().slice(0, 10),
  );
}

/**
 * A valid expression of exactly `length` characters firing at `minute` past `hour` on weekdays,
 * in the years from 2027 on (a list long enough to fill the length).
 */
function cronOfLength(length: number, minute: number, hour: number): string {
  for (const month of ['*', '1-12', 'JAN-DEC', '1-6,7-12']) {
    for (const days of ['2-6', 'MON-FRI', '2,3,4,5,6']) {
      for (let years = 1; years <= 173; years++) {
        const list = Array.from({ length: years }, (_, i) => 2027 + i).join(',');
        const expression = `cron(${minute} ${hour} ? ${month} ${days} ${list})`;
        if (expression.length === length) return expression;
        if (expression.length > length) break;
      }
    }
  }
  throw new Error(`no expression of ${length} characters`);
}

/** The longest time zone name this runtime knows. */
const LONGEST_ZONE = Intl.supportedValuesOf('timeZone').reduce((a, b) =>
  b.length > a.length ? b : a,
);

describe('the largest value synth accepts synthesizes, and the functions accept its inputs', () => {
  test.each<[string, Case]>([
    [`${MAX_SKIP_DATES} skipDates`, { schedule: { skipDates: dates(MAX_SKIP_DATES) } }],
    [`a schedule name of ${MAX_SCHEDULE_NAME} characters`, { name: 'n'.repeat(MAX_SCHEDULE_NAME) }],
    ['a tagKey of 116 characters (its audit tag has 128)', { props: { tagKey: 'k'.repeat(116) } }],
    [
      'a tagKey of 119 characters without audit tags (its override tag has 128)',
      { props: { tagKey: 'k'.repeat(119), auditTags: false } },
    ],
    [`the longest time zone name (${LONGEST_ZONE})`, { props: { timeZone: LONGEST_ZONE } }],
    [
      `a cron expression of ${MAX_CRON_EXPRESSION} characters`,
      { schedule: { stop: cronOfLength(MAX_CRON_EXPRESSION, 0, 17) } },
    ],
    [
      `${MAX_TIMES_PER_SIDE} expressions a side, with enforce`,
      {
        schedule: {
          additionalStarts: Array.from({ length: 9 }, (_, i) => `cron(${i + 1} 8 ? * MON-FRI *)`),
          additionalStops: Array.from({ length: 9 }, (_, i) => `cron(${i + 1} 17 ? * MON-FRI *)`),
          enforce: true,
        },
      },
    ],
    [
      'verifyTimeout 899 s with timeout 900 s',
      { props: { timeout: Duration.seconds(900), verifyTimeout: Duration.seconds(899) } },
    ],
    ['timeout 1 s', { props: { timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS.min) } }],
    ['maxOverride 366 days', { props: { maxOverride: Duration.days(366) } }],
    ['maxOverride 60 s', { props: { maxOverride: Duration.seconds(OVERRIDE_REACH_SECONDS.min) } }],
  ])('%s', (_name, c) => {
    synthesizeAndParse(build(c));
  });

  test.each<[string, Ec2SchedulerProps, Record<string, unknown>]>([
    [
      'timeout 900 s',
      { timeout: Duration.seconds(LAMBDA_TIMEOUT_SECONDS.max) },
      { 'AWS::Lambda::Function': { Timeout: 900 } },
    ],
    [
      'retryAttempts 185 and maxEventAge 1 day',
      {
        retryAttempts: RETRY_ATTEMPTS.max,
        maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS.max),
      },
      {
        'AWS::Scheduler::Schedule': {
          Target: { RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } },
        },
      },
    ],
    [
      'retryAttempts 0 and maxEventAge 60 s',
      { retryAttempts: 0, maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS.min) },
      {
        'AWS::Scheduler::Schedule': {
          Target: { RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } },
        },
      },
    ],
  ])('%s reaches the template', (_name, props, expected) => {
    const { template } = synthesizeAndParse(build({ props }));
    for (const [type, properties] of Object.entries(expected)) {
      template.hasResourceProperties(type, properties);
    }
  });

  test(`the largest input of all, every limit at once, is a fraction of Lambda's ${MAX_ASYNC_PAYLOAD_BYTES}-byte asynchronous payload`, () => {
    const { inputs } = synthesizeAndParse(
      build({
        name: 'n'.repeat(MAX_SCHEDULE_NAME),
        props: { tagKey: 'k'.repeat(116), timeZone: LONGEST_ZONE },
        schedule: {
          start: cronOfLength(MAX_CRON_EXPRESSION, 0, 8),
          stop: cronOfLength(MAX_CRON_EXPRESSION, 0, 17),
          additionalStarts: Array.from({ length: 9 }, (_, i) =>
            cronOfLength(MAX_CRON_EXPRESSION, i + 1, 8),
          ),
          additionalStops: Array.from({ length: 9 }, (_, i) =>
            cronOfLength(MAX_CRON_EXPRESSION, i + 1, 17),
          ),
          skipDates: dates(MAX_SKIP_DATES),
          enforce: true,
        },
      }),
    );
    const largest = Math.max(...inputs.map((i) => Buffer.byteLength(i)));
    // About 21 KB: the enforcement check's input, with both sides' 20 expressions.
    expect(largest).toBeGreaterThan(20_000);
    expect(largest).toBeLessThan(MAX_ASYNC_PAYLOAD_BYTES / 40);
  });
});

describe('one more fails synth, naming the field, the value, the limit and the fix', () => {
  test.each<[string, Case, RegExp]>([
    [
      `${MAX_SKIP_DATES + 1} skipDates`,
      { schedule: { skipDates: dates(MAX_SKIP_DATES + 1) } },
      exactly(
        'schedule "office-hours": skipDates has 1001 dates; the functions take at most 1000 per schedule, so remove dates that have passed or list fewer years ahead',
      ),
    ],
    [
      `a schedule name of ${MAX_SCHEDULE_NAME + 1} characters`,
      { name: 'n'.repeat(MAX_SCHEDULE_NAME + 1) },
      /^schedule name "n{256}" is 256 characters long; the functions find its instances with a DescribeInstances filter, and EC2 takes filter values of 1-255 characters$/,
    ],
    [
      'a tagKey of 117 characters (its audit tag would have 129)',
      { props: { tagKey: 'k'.repeat(117) } },
      /^tagKey "k{117}" is 117 characters long; the audit tag "k{117}:last-action" derived from it is 129 characters, and EC2 tag keys are at most 128, so use a tagKey of at most 116 characters, or set auditTags: false$/,
    ],
    [
      'a tagKey of 120 characters without audit tags (its override tag would have 129)',
      { props: { tagKey: 'k'.repeat(120), auditTags: false } },
      /^tagKey "k{120}" is 120 characters long; the override tag "k{120}:override" derived from it is 129 characters, and EC2 tag keys are at most 128, so use a tagKey of at most 119 characters$/,
    ],
    [
      `a time zone of ${MAX_TIME_ZONE + 1} characters`,
      { props: { timeZone: `America/${'X'.repeat(MAX_TIME_ZONE + 1 - 8)}` } },
      /^timeZone "America\/X{43}" is 51 characters long; EventBridge Scheduler takes time zones of at most 50 characters, so use an IANA name such as "America\/New_York"$/,
    ],
    [
      `a cron expression of ${MAX_CRON_EXPRESSION + 1} characters`,
      { schedule: { additionalStops: [cronOfLength(MAX_CRON_EXPRESSION + 1, 0, 19)] } },
      /^schedule "office-hours": additionalStops\[0\] "cron\(0 19 \? .*\)" is 257 characters long; EventBridge Scheduler takes expressions of at most 256, so shorten it \(a range such as 1-5 or a step such as 0\/15 is shorter than a list\)$/,
    ],
    [
      `${MAX_TIMES_PER_SIDE + 1} expressions a side`,
      {
        schedule: {
          additionalStops: Array.from({ length: 10 }, (_, i) => `cron(${i + 1} 17 ? * MON-FRI *)`),
        },
      },
      exactly(
        'schedule "office-hours": additionalStops has 10 expressions; a schedule takes at most 9 besides stop, so split it into several schedules',
      ),
    ],
    [
      'verifyTimeout 900 s with timeout 900 s',
      { props: { timeout: Duration.seconds(900), verifyTimeout: Duration.seconds(900) } },
      exactly(
        "verifyTimeout 900 s does not fit inside the functions' timeout of 900 s; make it shorter than timeout, or Duration.seconds(0) to turn verification off",
      ),
    ],
    [
      'timeout 901 s',
      { props: { timeout: Duration.seconds(901) } },
      exactly(
        "timeout 901 s is not allowed; give whole seconds from 1 to 900 (15 minutes, Lambda's longest), e.g. Duration.minutes(15)",
      ),
    ],
    [
      'maxOverride 366 days and 1 s',
      { props: { maxOverride: Duration.seconds(OVERRIDE_REACH_SECONDS.max + 1) } },
      exactly(
        'maxOverride 31622401 s is not allowed; give whole seconds from 60 (1 minute) to 31622400 (366 days), e.g. Duration.days(7)',
      ),
    ],
    [
      'maxEventAge 1 day and 1 s',
      { props: { maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS.max + 1) } },
      exactly(
        "maxEventAge 86401 s is not allowed; give whole seconds from 60 (1 minute) to 86400 (1 day), EventBridge Scheduler's range, e.g. Duration.hours(1)",
      ),
    ],
    [
      'maxOverride 59 s',
      { props: { maxOverride: Duration.seconds(OVERRIDE_REACH_SECONDS.min - 1) } },
      exactly(
        'maxOverride 59 s is not allowed; give whole seconds from 60 (1 minute) to 31622400 (366 days), e.g. Duration.days(7)',
      ),
    ],
    [
      'maxEventAge 59 s',
      { props: { maxEventAge: Duration.seconds(MAX_EVENT_AGE_SECONDS.min - 1) } },
      exactly(
        "maxEventAge 59 s is not allowed; give whole seconds from 60 (1 minute) to 86400 (1 day), EventBridge Scheduler's range, e.g. Duration.hours(1)",
      ),
    ],
    [
      'retryAttempts 186',
      { props: { retryAttempts: RETRY_ATTEMPTS.max + 1 } },
      exactly('retryAttempts 186 is not allowed; give a whole number from 0 to 185'),
    ],
  ])('%s', (_name, c, message) => {
    expect(() => build(c)).toThrow(message);
  });
});

describe('UTC offsets: one rule for every time the functions read, -12:00 to +14:00', () => {
  let fake: InProcessEc2 | undefined;
  afterEach(() => fake?.restore());

  /** Runs a start whose scheduledTime is `scheduledTime`, against one stopped instance. */
  async function startAt(scheduledTime: string) {
    fake = new InProcessEc2(new VirtualClock(), UNLIMITED);
    fake.add(1, { state: 'stopped', tags: { Schedule: 'office-hours' } });
    const event = officeHoursEvent({ scheduledTime });
    return handle(event, 'start', depsFor(fake, FIFTEEN_MINUTES)).then(
      () => ({ calls: fake!.mock.calls().length, error: undefined }),
      (error: Error) => ({ calls: fake!.mock.calls().length, error: error.message }),
    );
  }

  test.each(['2026-11-30T13:00:00Z', '2026-12-01T03:00:00+14:00', '2026-11-30T01:00:00-12:00'])(
    'scheduledTime %s is read',
    async (scheduledTime) => {
      const { error, calls } = await startAt(scheduledTime);
      expect(error).toBeUndefined();
      expect(calls).toBeGreaterThan(0);
    },
  );

  test.each(['+14:30', '-12:30', '+15:00', '+23:59', '-23:59'])(
    'scheduledTime with the offset %s is refused before any API call',
    async (offset) => {
      const { error, calls } = await startAt(`2026-11-30T13:00:00${offset}`);
      expect(error).toBe(
        `malformed event: scheduledTime "2026-11-30T13:00:00${offset}" has the UTC offset ${offset}, which does not exist (UTC offsets run from -12:00 to +14:00)`,
      );
      expect(calls).toBe(0);
    },
  );
});
