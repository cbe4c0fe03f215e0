/**
 * Names the construct and the functions both use: the metrics the functions publish (which the
 * alarms and dashboard read), the audit tag they write (which IAM lets them write), and the
 * deduplication table's variable and attributes.
 */

/** CloudWatch metrics of each run (summary field -> metric name), dimensions Schedule and Action. */
export const METRIC_NAMES = {
  started: 'InstancesStarted',
  stopped: 'InstancesStopped',
  skipped: 'InstancesSkipped',
  failed: 'InstancesFailed',
  deferred: 'InstancesDeferred',
  unverified: 'InstancesUnverified',
  overridesIgnored: 'OverridesIgnored',
} as const;

/** The tag the functions write on each instance they act on, when audit tags are on. */
export function auditTagKey(tagKey: string): string {
  return `${tagKey}:last-action`;
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
