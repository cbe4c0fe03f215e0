/**
 * Names the construct and the functions both use: the metrics the functions publish (which the
 * alarms and dashboard read) and the audit tag they write (which IAM lets them write).
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
