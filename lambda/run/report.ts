/**
 * What a run reports: one log line per instance when it ends (from the record, `record.ts`), the
 * summary (`summary.ts`: logged, returned and published as metrics), and the error a chain's last
 * run fails with.
 */
import { failureMessage } from './chain';
import type { RunContext } from './context';
import { describeError, logAttributes } from './errors';
import type { InstanceResult, Outcome } from './record';
import type { RunSummary } from './summary';

/** Most failures the summary lists by id (every failed instance has its own log line). */
const MAX_LISTED_FAILURES = 100;

/**
 * The invocation fails with this, after the summary and metrics, when the run is the last of its
 * chain (it queued no follow-up) and anything in the chain failed.
 */
export class RunFailedError extends Error {
  constructor(readonly summary: RunSummary) {
    super(failureMessage(summary));
    this.name = 'RunFailedError';
  }
}

/**
 * The summary's counts: EC2 instances apart from groups (Auto Scaling groups and EKS node groups,
 * counted together as groups; each result line names its `resource`).
 */
function outcomeCounts(results: readonly InstanceResult[]) {
  const count = (o: Outcome, groups = false) =>
    results.filter((r) => r.outcome === o && (r.resource !== undefined) === groups).length;
  return {
    started: count('started'),
    stopped: count('stopped'),
    skipped: count('skipped'),
    deferred: count('deferred'),
    failed: count('failed'),
    unverified: results.filter((r) => r.verified === false && r.resource === undefined).length,
    groupsStarted: count('started', true),
    groupsStopped: count('stopped', true),
    groupsSkipped: count('skipped', true),
    groupsDeferred: count('deferred', true),
    groupsFailed: count('failed', true),
  };
}

/**
 * Writes the run's report: a line per instance, the summary line, the metrics (unless a dry run),
 * and returns the summary. Never throws: a metrics fault is logged.
 */
export function writeReport(
  ctx: RunContext,
  startedAt: number,
  extra: Partial<RunSummary> = {},
): RunSummary {
  const { event, deps, record } = ctx;
  const results = record.all();
  for (const result of results) {
    deps.logger.info('instance', {
      schedule: event.schedule,
      action: event.action,
      ...event.target,
      dryRun: event.dryRun,
      ...result,
    });
  }
  const failures = results
    .filter((r) => r.outcome === 'failed')
    .slice(0, MAX_LISTED_FAILURES)
    .map((r) => ({
      instanceId: r.instanceId,
      errorCode: r.errorCode ?? 'Error',
      message: r.errorMessage ?? '',
    }));
  const summary: RunSummary = {
    schedule: event.schedule,
    action: event.action,
    ...event.target,
    dryRun: event.dryRun,
    ...(event.scheduledTime ? { scheduledTime: event.scheduledTime } : {}),
    ...(event.enforce ? { enforcement: 'outside the running window' as const } : {}),
    found: record.found,
    ...(record.inTransit.size > 0 ? { inTransit: record.inTransit.size } : {}),
    ...outcomeCounts(results),
    auditTagged: record.tagged.size,
    overridesIgnored: record.overridesIgnored.size,
    failures,
    ...(event.followUp?.failures ? { earlierFailures: event.followUp.failures } : {}),
    apiCalls: ctx.budget.apiCalls,
    throttledCalls: record.throttledCalls,
    durationMs: ctx.clock.now() - startedAt,
    ...extra,
  };
  deps.logger.info('summary', { ...summary });
  try {
    if (!event.dryRun) deps.metrics?.publish(summary);
  } catch (err) {
    deps.logger.error('metrics not published', {
      schedule: summary.schedule,
      ...logAttributes(describeError(err)),
    });
  }
  return summary;
}
