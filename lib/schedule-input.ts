/**
 * The input each schedule sends to the start or stop function (and a run to its follow-up): its
 * type, and its builder. Built by the construct, checked by `schedule-input-parser.ts` in the
 * handlers and the CLI; everything a run needs is in it, so the functions stay stateless.
 */
export type ScheduleAction = 'start' | 'stop';

export interface SchedulerEvent {
  /** Input format version. */
  readonly version: 1;
  readonly action: ScheduleAction;
  /** The schedule name: the tag value that opts an instance in. */
  readonly schedule: string;
  readonly tagKey: string;
  /** IANA time zone the schedule's cron expressions are read in. */
  readonly timeZone: string;
  /** Local dates (YYYY-MM-DD) with no start. */
  readonly skipDates: readonly string[];
  /** Stop: hibernate instances configured for it. */
  readonly hibernate: boolean;
  /** Report what would happen without starting or stopping anything. */
  readonly dryRun: boolean;
  /**
   * Tag each instance acted on with `<tagKey>:last-action` = `started 2026-11-27T08:00:03Z by
   * <schedule>`. Absent means false.
   */
  readonly auditTags?: boolean;
  /**
   * Start: follow started instances for up to this many seconds until they are `running`.
   * Absent or 0 means no verification.
   */
  readonly verifyTimeoutSeconds?: number;
  /**
   * The schedule's opposite transition (the stop for a start, and the reverse), if any. A run
   * that hands work to a follow-up never reaches past its next firing.
   */
  readonly opposite?: string;
  /** When the schedule fired (EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). */
  readonly scheduledTime?: string;
  /** Present on follow-up runs only. */
  readonly followUp?: FollowUpState;
}

/** What a run hands to its follow-up. */
export interface FollowUpState {
  /** 1 for the first follow-up, then 2, ... */
  readonly attempt: number;
  /** The follow-up chain ends here: the schedule's next opposite transition (ISO 8601). */
  readonly notAfter: string;
  /** The run's estimate of EC2's token buckets when it handed over. */
  readonly buckets?: BucketSnapshot;
  /**
   * The instances the previous run listed and could not reach, so this run need not list
   * again. Absent when there were too many to carry, or the listing itself was cut short.
   */
  readonly instances?: CarriedInstances;
  /**
   * The listing was cut short: after the carried instances, list again (instances already
   * started or stopped no longer match the filter, so each listing gets further).
   */
  readonly relist?: boolean;
  /**
   * What failed in the chain's earlier runs. A run that queued its follow-up does not fail its
   * invocation; the chain's last run does, naming these.
   */
  readonly failures?: ChainFailures;
  /** How many runs in a row (up to the one that queued this) reached no instance. */
  readonly stalled?: number;
}

/** The failures of a follow-up chain so far. */
export interface ChainFailures {
  /** Instances that failed. */
  readonly count: number;
  /** The first of them (at most {@link MAX_NAMED_FAILURES}). */
  readonly first: readonly { readonly instanceId: string; readonly errorCode: string }[];
  /** Faults of a whole run, e.g. `listing failed: UnauthorizedOperation`. */
  readonly problems?: readonly string[];
}

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

/**
 * Environment variables the construct sets on both functions: the tag key and the schedule names
 * of the deployment (a JSON list). The functions reject any event that names others.
 */
export const DEPLOYMENT_ENV = {
  tagKey: 'EC2_SCHEDULER_TAG_KEY',
  schedules: 'EC2_SCHEDULER_SCHEDULES',
} as const;

/** Instance ids a follow-up run acts on directly. */
export interface CarriedInstances {
  /** Plain start or stop. */
  readonly plain: readonly string[];
  /** Stop with hibernation. */
  readonly hibernate: readonly string[];
}

export interface BucketSnapshot {
  readonly request: number;
  readonly resource: number;
  /** Epoch milliseconds at which the estimate was taken. */
  readonly at: number;
}

/** The Scheduler context attribute the construct puts in `scheduledTime`. */
export const SCHEDULED_TIME_ATTRIBUTE = '<aws.scheduler.scheduled-time>';

/**
 * What the construct knows of one side of a schedule when it builds its input: the input's own
 * fields, with the options that are always given.
 */
export type ScheduleInputOptions = Omit<
  SchedulerEvent,
  'version' | 'auditTags' | 'verifyTimeoutSeconds' | 'scheduledTime' | 'followUp'
> & {
  readonly auditTags: boolean;
  /** Verification of starts, in seconds (0: none). Ignored for stops. */
  readonly verifyTimeoutSeconds: number;
};

/** The input a schedule sends: what the construct puts in the schedule's target. */
export function buildScheduleInput(options: ScheduleInputOptions): SchedulerEvent {
  const { action, opposite } = options;
  return {
    version: 1,
    action,
    schedule: options.schedule,
    tagKey: options.tagKey,
    timeZone: options.timeZone,
    skipDates: options.skipDates,
    hibernate: options.hibernate,
    dryRun: options.dryRun,
    auditTags: options.auditTags,
    ...(action === 'start' ? { verifyTimeoutSeconds: options.verifyTimeoutSeconds } : {}),
    ...(opposite !== undefined ? { opposite } : {}),
    scheduledTime: SCHEDULED_TIME_ATTRIBUTE,
  };
}
