/**
 * Every limit on what a schedule sends and what the construct configures, in one place: the
 * synth-time checks and the functions' event parser both read these, so synth refuses exactly
 * what a deploy or a run would refuse. Pure (no CDK, no SDK).
 *
 * AWS's figures come from the service API references (the length and range constraints of each
 * field, also in the AWS SDKs' service models); the others are this project's own bounds.
 */

/** A closed range of whole numbers. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Most skip dates one schedule has: this project's bound (about 13 bytes each in its input). */
export const MAX_SKIP_DATES = 1000;

/**
 * Longest schedule name. EC2 tag values may have 256 characters, but the functions list a
 * schedule's instances with a DescribeInstances `tag:<key>` filter, and EC2 takes filter values of
 * at most 255 (EC2 API reference, `Filter.Values`).
 */
export const MAX_SCHEDULE_NAME = 255;

/**
 * Longest EC2 tag key (EC2 API reference, `Tag.Key`: up to 128 Unicode characters). It bounds
 * `tagKey` and every key derived from it (`shared-names.ts`).
 */
export const MAX_TAG_KEY = 128;

/**
 * Longest time zone name: EventBridge Scheduler's `ScheduleExpressionTimezone` takes 1-50
 * characters (Scheduler API reference, `CreateSchedule`). The longest IANA name is far shorter.
 */
export const MAX_TIME_ZONE = 50;

/**
 * Longest cron expression: EventBridge Scheduler's `ScheduleExpression` takes 1-256 characters
 * (Scheduler API reference, `CreateSchedule`).
 */
export const MAX_CRON_EXPRESSION = 256;

/** Most start (or stop) expressions one schedule has, `start` and up to 9 more: this project's bound. */
export const MAX_TIMES_PER_SIDE = 10;

/**
 * Lambda's function timeout, in seconds: 1 s to 15 minutes (Lambda API reference,
 * `CreateFunction`, `Timeout`: minimum 1; Lambda quotas: "Function timeout 900 seconds").
 */
export const LAMBDA_TIMEOUT_SECONDS: Range = { min: 1, max: 900 };

/** A start's verification, in seconds: 0 (off) up to what a run can last. */
export const VERIFY_TIMEOUT_SECONDS: Range = { min: 0, max: LAMBDA_TIMEOUT_SECONDS.max };

/**
 * An Auto Scaling group's MinSize, DesiredCapacity or MaxSize: a whole number up to the API's
 * Integer (the service checks its own quotas when the size is set).
 */
export const GROUP_SIZE: Range = { min: 0, max: 2_147_483_647 };

/** How far ahead an override may reach, in seconds: 1 minute to 366 days, this project's bounds. */
export const OVERRIDE_REACH_SECONDS: Range = { min: 60, max: 366 * 86_400 };

/** How often an enforcement check runs, in minutes: 5 minutes to 1 day, this project's bounds. */
export const ENFORCE_EVERY_MINUTES: Range = { min: 5, max: 1440 };

/**
 * EventBridge Scheduler's retries of a delivery (Scheduler API reference, `RetryPolicy`,
 * `MaximumRetryAttempts`: 0-185).
 */
export const RETRY_ATTEMPTS: Range = { min: 0, max: 185 };

/**
 * How long EventBridge Scheduler keeps trying to deliver, in seconds (Scheduler API reference,
 * `RetryPolicy`, `MaximumEventAgeInSeconds`: 60-86,400).
 */
export const MAX_EVENT_AGE_SECONDS: Range = { min: 60, max: 86_400 };

/**
 * Largest input of an asynchronous Lambda invocation, in bytes: "For asynchronous invocations, the
 * maximum payload size is 1 MB" (Lambda API reference, `Invoke`; earlier 256 KB). This
 * bounds what a schedule sends (EventBridge Scheduler invokes asynchronously) and what a run hands
 * to its follow-up. EventBridge Scheduler documents no bound of its own: its API reference gives
 * `Target.Input` a minimum length of 1 and no maximum.
 */
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

/**
 * UTC offsets that exist, in minutes: from -12:00 (Baker Island) to +14:00 (the Line Islands).
 * Times with any other offset are refused wherever one is read (override tags, event times).
 */
export const UTC_OFFSET_MINUTES: Range = { min: -12 * 60, max: 14 * 60 };

/** How far ahead an override may reach unless the construct says otherwise: 7 days. */
export const DEFAULT_MAX_OVERRIDE_SECONDS = 7 * 86_400;

/** A follow-up chain never outlives the next opposite transition; this bounds it in count too. */
export const MAX_FOLLOW_UPS = 1000;
/**
 * Most instance ids a follow-up input carries (about 22 bytes each, well inside Lambda's
 * payload limit for asynchronous invocations); beyond this the follow-up lists again.
 */
export const MAX_CARRIED = 8000;
/** Most failures a chain names (in its follow-up state and in the last run's error). */
export const MAX_NAMED_FAILURES = 10;
/** A chain whose runs reach no instance this many times in a row ends. */
export const MAX_STALLED_RUNS = 5;
/** Most whole-run faults a chain carries. */
export const MAX_CHAIN_PROBLEMS = 5;
