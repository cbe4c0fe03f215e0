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
   * The cron expressions of the schedule's opposite transitions (its stops for a start, and the
   * reverse), if any. A run that hands work to a follow-up never reaches past the next of them.
   */
  readonly opposites?: readonly string[];
  /**
   * Present on the inputs of an enforcement check (action `stop`) only: the schedule's start and
   * stop expressions, from which the check tells whether instances should be running now.
   */
  readonly enforce?: EnforcedWindow;
  /**
   * Overrides (`<tagKey>:override`) reaching further ahead than this are ignored. Absent means
   * {@link DEFAULT_MAX_OVERRIDE_SECONDS}.
   */
  readonly maxOverrideSeconds?: number;
  /** When the schedule fired (EventBridge Scheduler's `<aws.scheduler.scheduled-time>`). */
  readonly scheduledTime?: string;
  /** Present on follow-up runs only. */
  readonly followUp?: FollowUpState;
  /**
   * The account and Region a hub's run acts in (through the spoke role there). Absent, the run
   * acts in the function's own; a hub's first run covers every target.
   */
  readonly target?: RunTarget;
}

/** One account in one Region. */
export interface RunTarget {
  /** 12 digits. */
  readonly account: string;
  readonly region: string;
}

/** A schedule's running window: from each start (not on a skip date) to the next stop. */
export interface EnforcedWindow {
  readonly starts: readonly string[];
  readonly stops: readonly string[];
}

/** How far ahead an override may reach unless the construct says otherwise: 7 days. */
export const DEFAULT_MAX_OVERRIDE_SECONDS = 7 * 86_400;

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
 * With `targets` (many accounts and Regions), the construct sets this variable on both functions:
 * a JSON {@link TargetsConfig}. Absent, the functions act in their own account and Region.
 */
export const TARGETS_ENV = 'EC2_SCHEDULER_TARGETS';

/**
 * Environment variables the construct sets on both functions: the tag key and the schedule names
 * of the deployment (a JSON list). The functions reject any event that names others.
 */
export const DEPLOYMENT_ENV = {
  tagKey: 'EC2_SCHEDULER_TAG_KEY',
  schedules: 'EC2_SCHEDULER_SCHEDULES',
  targets: TARGETS_ENV,
} as const;

/** Where a hub's functions act: each account (listed, or found in the OUs) in each Region. */
export interface TargetsConfig {
  /** Account ids (12 digits). */
  readonly accounts: readonly string[];
  /** Organizational unit ids (`ou-...`); their accounts are listed through AWS Organizations. */
  readonly organizationalUnitIds: readonly string[];
  readonly regions: readonly string[];
  /** The spoke role's name in every target account. */
  readonly spokeRoleName: string;
}

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
  | 'version'
  | 'auditTags'
  | 'verifyTimeoutSeconds'
  | 'scheduledTime'
  | 'followUp'
  | 'opposites'
  | 'maxOverrideSeconds'
> & {
  readonly auditTags: boolean;
  /** Verification of starts, in seconds (0: none). Ignored for stops. */
  readonly verifyTimeoutSeconds: number;
  /** The opposite side's expressions; none for a one-sided schedule. */
  readonly opposites: readonly string[];
  readonly maxOverrideSeconds: number;
};

/** The input a schedule sends: what the construct puts in the schedule's target. */
export function buildScheduleInput(options: ScheduleInputOptions): SchedulerEvent {
  const { action, opposites, enforce } = options;
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
    ...(opposites.length > 0 ? { opposites } : {}),
    ...(enforce ? { enforce } : {}),
    maxOverrideSeconds: options.maxOverrideSeconds,
    scheduledTime: SCHEDULED_TIME_ATTRIBUTE,
  };
}
