/**
 * The input each schedule sends to the start or stop function (and a run to its follow-up),
 * declared once: this schema (valibot) gives the event's TypeScript type, the functions' checks of
 * its shape (with the messages they raise), and the JSON Schema the package publishes
 * (`schema/schedule-input.schema.json`, `npm run schema`). The checks that depend on the
 * deployment and the run follow it, in `schedule-input-parser.ts`.
 */
import * as v from 'valibot';
import {
  DEFAULT_MAX_OVERRIDE_SECONDS,
  GROUP_SIZE,
  MAX_CRON_EXPRESSION,
  MAX_SCHEDULE_NAME,
  MAX_SKIP_DATES,
  MAX_TAG_KEY,
  MAX_TIME_ZONE,
  MAX_TIMES_PER_SIDE,
  OVERRIDE_REACH_SECONDS,
  VERIFY_TIMEOUT_SECONDS,
} from '../common/limits';
import { ACCOUNT_ID, REGION_NAME } from '../common/aws-ids';
import { SCHEDULED_TIME_ATTRIBUTE } from '../common/shared-names';
import { parseEventBridgeCron } from '../schedule/cron';
import { isValidTimeZone } from '../schedule/time-zone';
import { followUpSchema } from './follow-up-state';
import {
  calendarDate,
  flag,
  type Frozen,
  isoTime,
  isoTimeSays,
  matching,
  record,
  says,
  show,
  text,
  wholeNumber,
} from './input-checks';

/** The two functions, each named by the action it runs. */
export const SCHEDULE_ACTIONS = ['start', 'stop'] as const;
/** What a function does to the instances: `start` or `stop`. */
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/** Why `expression` is not an EventBridge cron expression, if it is not. */
function cronProblem(expression: unknown): string | undefined {
  try {
    parseEventBridgeCron(expression as string);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const cronExpression = v.pipe(
  text(MAX_CRON_EXPRESSION),
  v.check(
    (expression) => cronProblem(expression) === undefined,
    (issue) => `${show(issue.input)} ${cronProblem(issue.input)}`,
  ),
  v.description(
    "An EventBridge cron expression, e.g. `cron(0 17 ? * MON-FRI *)`, read in the schedule's time zone.",
  ),
);

function cronList(description: string) {
  const message = says(`must be a list of 1 to ${MAX_TIMES_PER_SIDE} cron expressions`);
  return v.pipe(
    v.array(cronExpression, message),
    v.minLength(1, message),
    v.maxLength(MAX_TIMES_PER_SIDE, message),
    v.description(description),
  );
}

const ENFORCE = 'must be an object with starts and stops, on a stop input';
const enforcedWindow = v.pipe(
  record(
    {
      starts: cronList("The schedule's start expressions (EventBridge cron, local time)."),
      stops: cronList("The schedule's stop expressions."),
    },
    says(ENFORCE),
  ),
  v.description(
    "Present on the inputs of an enforcement check (action `stop`) only: the schedule's running window, from each start (not on a skip date) to the next stop, from which the check tells whether instances should be running now.",
  ),
);

const SIZE = 'must be {min, desired, max}: whole numbers with min <= desired <= max and max >= 1';
const sizeField = (min: number) => wholeNumber(min, GROUP_SIZE.max, says(SIZE));
const groupSize = v.pipe(
  record({ min: sizeField(0), desired: sizeField(0), max: sizeField(1) }, says(SIZE)),
  v.check(({ min, desired, max }) => min <= desired && desired <= max, says(SIZE)),
  v.description(
    "Start: the size (MinSize, DesiredCapacity, MaxSize) given to an Auto Scaling group at zero that has no `<tagKey>:size` tag (the schedule's `groupFallbackSize`). Absent: such a group fails with NoSavedSize.",
  ),
);

const TARGET =
  'must be an account (12 digits) and a Region, e.g. {"account":"111122223333","region":"eu-west-1"}';
const runTarget = v.pipe(
  record(
    {
      account: matching(ACCOUNT_ID, says(`is not an account id: target ${TARGET}`)),
      region: matching(REGION_NAME, says(`is not a Region code: target ${TARGET}`)),
    },
    says(TARGET),
  ),
  v.description(
    "The account and Region a hub's run acts in (through the spoke role there). Absent, the run acts in the function's own; a hub's first run covers every target.",
  ),
);

const version = v.optional(
  v.pipe(v.literal(1, says('is not supported; use 1')), v.description('Input format version.')),
  1,
);

/** The event's fields after `version` and `action`, apart from `enforce`. */
const fields = {
  schedule: v.pipe(
    text(MAX_SCHEDULE_NAME),
    v.description('The schedule name: the tag value that opts an instance in.'),
  ),
  tagKey: v.pipe(text(MAX_TAG_KEY), v.description('The tag key, e.g. `Schedule`.')),
  timeZone: v.pipe(
    text(MAX_TIME_ZONE),
    v.check(isValidTimeZone, says('is not an IANA time zone such as "America/New_York"')),
    v.description("IANA time zone the schedule's cron expressions are read in."),
  ),
  skipDates: v.optional(
    v.pipe(
      v.array(calendarDate(), says('must be a list of dates')),
      v.maxLength(
        MAX_SKIP_DATES,
        (issue) => `has ${issue.input.length} dates; at most ${MAX_SKIP_DATES} are allowed`,
      ),
      v.description('Local dates (YYYY-MM-DD) with no start.'),
    ),
    () => [],
  ),
  hibernate: v.optional(
    v.pipe(flag(), v.description('Stop: hibernate instances configured for it.')),
    false,
  ),
  dryRun: v.optional(
    v.pipe(
      flag(),
      v.description('Report what would happen without starting or stopping anything.'),
    ),
    false,
  ),
  auditTags: v.optional(
    v.pipe(
      flag(),
      v.description(
        'Tag each instance acted on with `<tagKey>:last-action` = `started 2026-11-27T08:00:03Z by <schedule>`. Absent means false.',
      ),
    ),
  ),
  verifyTimeoutSeconds: v.optional(
    v.pipe(
      wholeNumber(
        VERIFY_TIMEOUT_SECONDS.min,
        VERIFY_TIMEOUT_SECONDS.max,
        says(
          `must be a whole number of seconds from ${VERIFY_TIMEOUT_SECONDS.min} to ${VERIFY_TIMEOUT_SECONDS.max}`,
        ),
      ),
      v.description(
        'Start: follow started instances for up to this many seconds until they are `running`. Absent or 0 means no verification.',
      ),
    ),
  ),
  groupFallbackSize: v.optional(groupSize),
  opposites: v.optional(
    cronList(
      "The cron expressions of the schedule's opposite transitions (its stops for a start, and the reverse). A run that hands work to a follow-up never reaches past the next of them.",
    ),
  ),
  maxOverrideSeconds: v.optional(
    v.pipe(
      wholeNumber(OVERRIDE_REACH_SECONDS.min, OVERRIDE_REACH_SECONDS.max),
      v.description(
        `Overrides (\`<tagKey>:override\`) reaching further ahead than this are ignored. Absent means ${DEFAULT_MAX_OVERRIDE_SECONDS} (7 days).`,
      ),
    ),
  ),
  scheduledTime: v.optional(
    v.pipe(
      v.union([v.literal(SCHEDULED_TIME_ATTRIBUTE), isoTime()], isoTimeSays),
      v.description(
        `When the schedule fired (ISO 8601 with a zone): EventBridge Scheduler replaces the construct's \`${SCHEDULED_TIME_ATTRIBUTE}\`. Left in (an input invoked by hand), or absent: now.`,
      ),
    ),
  ),
  followUp: v.optional(followUpSchema),
  target: v.optional(runTarget),
};

/** The schema of the input of the function that runs `action`. */
function eventSchemaOf<const A extends ScheduleAction>(action: A) {
  return record(
    {
      version,
      action: v.pipe(
        v.literal(action, says(`does not match this function, which only runs "${action}"`)),
        v.description(`The function's action: this is the input of the ${action} function.`),
      ),
      ...fields,
      enforce: v.optional(
        action === 'stop'
          ? enforcedWindow
          : v.never(says(`is only read on a stop input (an enforcement check); this is a start`)),
      ),
    },
    (issue) =>
      `expected a JSON object with action, schedule, tagKey and timeZone; got ${show(issue.input)}`,
  );
}

/** The parts both functions' inputs share, which the JSON Schema names once (`$defs`). */
export const SHARED_PARTS = {
  cronExpression,
  followUp: followUpSchema,
  target: runTarget,
};

/** The input schema of each function. */
export const EVENT_SCHEMAS = { start: eventSchemaOf('start'), stop: eventSchemaOf('stop') };

/** The schedule's input, either function's: what the published JSON Schema describes. */
export const SCHEDULE_INPUT_SCHEMA = v.pipe(
  v.variant('action', [EVENT_SCHEMAS.start, EVENT_SCHEMAS.stop]),
  v.title('cdk-ec2-scheduler schedule input'),
  v.description(
    "The input an EventBridge Scheduler schedule of cdk-ec2-scheduler sends to the start or stop function, and a run to its follow-up. Also true of the functions: the tag key and schedule must be the deployment's, a target one of its targets.",
  ),
);

/** The input a schedule sends to the start or stop function, as the functions read it. */
export type SchedulerEvent = Frozen<
  Omit<v.InferOutput<(typeof EVENT_SCHEMAS)['stop']>, 'action'> & { action: ScheduleAction }
>;
/** One account in one Region. */
export type RunTarget = Frozen<v.InferOutput<typeof runTarget>>;
/** A schedule's running window: from each start (not on a skip date) to the next stop. */
export type EnforcedWindow = Frozen<v.InferOutput<typeof enforcedWindow>>;
