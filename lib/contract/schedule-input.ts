/**
 * The input each schedule sends to the start or stop function (and a run to its follow-up): its
 * builder, the names the construct and the functions share, and the event's types, which come
 * from its schema (`event-schema.ts`). Built by the construct, checked by
 * `schedule-input-parser.ts` in the handlers and the CLI; everything a run needs is in it, so the
 * functions stay stateless. The construct imports this file: it requires no schema library (the
 * types are erased).
 */
import { SCHEDULED_TIME_ATTRIBUTE } from '../common/shared-names';
import type { SchedulerEvent } from './event-schema';

export type { EnforcedWindow, RunTarget, ScheduleAction, SchedulerEvent } from './event-schema';
export type {
  BucketSnapshot,
  CarriedInstances,
  ChainFailures,
  FollowUpState,
} from './follow-up-state';
export type { TargetsConfig } from './deployment';
export {
  DEFAULT_MAX_OVERRIDE_SECONDS,
  MAX_CARRIED,
  MAX_CHAIN_PROBLEMS,
  MAX_FOLLOW_UPS,
  MAX_NAMED_FAILURES,
  MAX_STALLED_RUNS,
} from '../common/limits';
export { SCHEDULED_TIME_ATTRIBUTE };

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
  | 'groupFallbackSize'
> & {
  readonly auditTags: boolean;
  /** Verification of starts, in seconds (0: none). Ignored for stops. */
  readonly verifyTimeoutSeconds: number;
  /** The opposite side's expressions; none for a one-sided schedule. */
  readonly opposites: readonly string[];
  readonly maxOverrideSeconds: number;
  /** The size a start gives a group at zero with no saved size. Ignored for stops. */
  readonly groupFallbackSize?: SchedulerEvent['groupFallbackSize'];
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
    ...(action === 'start' && options.groupFallbackSize
      ? { groupFallbackSize: options.groupFallbackSize }
      : {}),
    ...(opposites.length > 0 ? { opposites } : {}),
    ...(enforce ? { enforce } : {}),
    maxOverrideSeconds: options.maxOverrideSeconds,
    scheduledTime: SCHEDULED_TIME_ATTRIBUTE,
  };
}
