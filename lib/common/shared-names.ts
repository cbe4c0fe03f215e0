/**
 * Names the construct and the functions both use: the metrics the functions publish (which the
 * alarms and dashboard read), the tag keys derived from `<tagKey>` (the override tag they read,
 * the audit tag they write and IAM lets them write), the deduplication table's variable and
 * attributes, and the Scheduler attribute in each schedule's input.
 */

/**
 * CloudWatch metrics of each run (summary field -> metric name), dimensions Schedule and Action.
 * The Instances* metrics count EC2 instances only; Auto Scaling groups have their own, so each
 * kind's figures (and the dashboard's rows) keep their meaning.
 */
export const METRIC_NAMES = {
  started: 'InstancesStarted',
  stopped: 'InstancesStopped',
  skipped: 'InstancesSkipped',
  failed: 'InstancesFailed',
  deferred: 'InstancesDeferred',
  unverified: 'InstancesUnverified',
  overridesIgnored: 'OverridesIgnored',
  groupsStarted: 'GroupsStarted',
  groupsStopped: 'GroupsStopped',
  groupsFailed: 'GroupsFailed',
} as const;

/** A tag key the functions derive from `<tagKey>`. */
export interface DerivedTagKey {
  /** Appended to `<tagKey>`. */
  readonly suffix: string;
  /** What the tag is, for messages. */
  readonly name: string;
  /** The scheduler prop that turns the tag off; absent, the functions always use it. */
  readonly turnedOffBy?: 'auditTags';
}

/** The per-instance override tag, `<tagKey>:override`, always read. */
const OVERRIDE: DerivedTagKey = { suffix: ':override', name: 'the override tag' };
/** The audit tag, `<tagKey>:last-action`, written on each instance acted on with auditTags. */
const AUDIT: DerivedTagKey = {
  suffix: ':last-action',
  name: 'the audit tag',
  turnedOffBy: 'auditTags',
};
/** The size tag, `<tagKey>:size`: a stopped Auto Scaling group's `min,desired,max`. */
const SIZE: DerivedTagKey = { suffix: ':size', name: 'the size tag' };

/**
 * Every tag key derived from `<tagKey>`. The synth checks walk this list (each key must fit in
 * EC2's 128 characters), so a key added here is checked without more code.
 */
export const DERIVED_TAG_KEYS: readonly DerivedTagKey[] = [OVERRIDE, AUDIT, SIZE];

/** The override tag's key for a scheduler's tag key. */
export function overrideTagKey(tagKey: string): string {
  return `${tagKey}${OVERRIDE.suffix}`;
}

/** The tag the functions write on each instance they act on, when audit tags are on. */
export function auditTagKey(tagKey: string): string {
  return `${tagKey}${AUDIT.suffix}`;
}

/** Longest tag value EC2, Auto Scaling and EKS take. */
const MAX_TAG_VALUE = 256;

/**
 * The audit tag's value on an instance, group or node group, e.g.
 * `stopped 2026-11-27T17:00:03Z by office-hours`, within the services' 256 characters.
 */
export function auditTagValue(verb: string, at: number, schedule: string): string {
  const value = `${verb} ${new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')} by ${schedule}`;
  return value.length <= MAX_TAG_VALUE ? value : `${value.slice(0, MAX_TAG_VALUE - 1)}…`;
}

/** The tag the stop function writes on an Auto Scaling group before scaling it to zero. */
export function sizeTagKey(tagKey: string): string {
  return `${tagKey}${SIZE.suffix}`;
}

/** Metrics of the functions' deduplication of deliveries (dimensions Schedule and Action). */
export const DEDUPLICATION_METRIC_NAMES = {
  /** A delivery of an event that another invocation runs or ran: it did nothing. */
  duplicate: 'DuplicateDeliveries',
  /** The deduplication store could not be read or written: the run went ahead without it. */
  unavailable: 'DeduplicationUnavailable',
} as const;

/**
 * The deduplication table: the variable that names it to the functions, and the attributes the
 * functions' store (Powertools' idempotency layer) keys and expires its records by.
 */
export const DEDUPLICATION_TABLE = {
  environment: 'EC2_SCHEDULER_DEDUPLICATION_TABLE',
  partitionKey: 'id',
  expiryAttribute: 'expiration',
} as const;

/**
 * The Scheduler context attribute the construct puts in each input's `scheduledTime`, which
 * EventBridge Scheduler replaces with the time the schedule fired.
 */
export const SCHEDULED_TIME_ATTRIBUTE = '<aws.scheduler.scheduled-time>';

/**
 * The tag EKS puts on the instances and the Auto Scaling group of a managed node group: both are
 * EKS's, scheduled through the node group only.
 */
export const EKS_NODEGROUP_TAG = 'eks:nodegroup-name';
