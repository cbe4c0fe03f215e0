/**
 * What a run reports: one outcome per instance, recorded as the run goes and written as one log
 * line each when it ends, a summary (logged, returned and published as metrics), and the error a
 * chain's last run fails with.
 */
import type { ScheduleAction } from '../../lib/contract/schedule-input';
import { failureMessage, RunFaults } from './chain';
import type { RunContext } from './context';
import { describeError, logAttributes } from './errors';

export type Outcome = 'started' | 'stopped' | 'skipped' | 'deferred' | 'failed';

export interface InstanceResult {
  readonly instanceId: string;
  readonly outcome: Outcome;
  /** Why an instance was skipped or deferred. */
  readonly reason?: string;
  readonly errorCode?: string;
  /** EC2's error message, or what went wrong. */
  readonly errorMessage?: string;
  /** Stopped with hibernation. */
  readonly hibernated?: boolean;
  /** Start: seen `running` afterwards (false: still pending when verification timed out). */
  readonly verified?: boolean;
}

export interface RunSummary extends RunFaults {
  readonly schedule: string;
  readonly action: ScheduleAction;
  /** A hub's run in one target: its account. */
  readonly account?: string;
  /** ... and Region. */
  readonly region?: string;
  readonly dryRun: boolean;
  readonly scheduledTime?: string;
  /** Set when the run did nothing because the local date is in skipDates. */
  readonly skipDate?: string;
  /**
   * Set on enforcement checks. They act only outside the running window; they do nothing inside
   * it (at the scheduled time, or when delivered), or when the next start is less than 10
   * minutes away (`START_GUARD_MS` in `window.ts`; `nextStart` says when).
   */
  readonly enforcement?:
    | 'inside the running window'
    | 'inside the running window when delivered'
    | 'start due'
    | 'outside the running window';
  /** An enforcement check: the start it left instances to (ISO 8601), when it left any. */
  readonly nextStart?: string;
  /** Tagged instances found in the state this action applies to, or on their way into it. */
  readonly found: number;
  /**
   * Instances found on their way into that state (stopping for a start, pending for a stop),
   * waited for; absent when none.
   */
  readonly inTransit?: number;
  readonly started: number;
  readonly stopped: number;
  readonly skipped: number;
  readonly deferred: number;
  readonly failed: number;
  /** Started, but still pending when verification timed out. */
  readonly unverified: number;
  /** Instances given the audit tag. */
  readonly auditTagged: number;
  /** Instances whose override tag was malformed or reached too far ahead, and was ignored. */
  readonly overridesIgnored: number;
  /** The failed instances (at most {@link MAX_LISTED_FAILURES} listed). */
  readonly failures: readonly { instanceId: string; errorCode: string; message: string }[];
  /** The follow-up run queued for deferred instances, if any. */
  readonly followUp?: { readonly attempt: number; readonly notAfter: string };
  readonly apiCalls: number;
  readonly throttledCalls: number;
  readonly durationMs: number;
}

export interface RunMetrics {
  publish(summary: RunSummary): void;
}

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

/** The outcomes of a run's instances, and what else its summary counts. */
export class RunRecord {
  /** One result per instance; a later result for the same instance replaces the earlier. */
  private readonly results = new Map<string, InstanceResult>();
  /** Instances given the audit tag. */
  readonly tagged = new Set<string>();
  /** Instances whose override was ignored (each warned about once). */
  readonly overridesIgnored = new Set<string>();
  /** Instances seen on their way into the state the action applies to. */
  readonly inTransit = new Set<string>();
  /** Tagged instances found in the state the action applies to, or on their way into it. */
  found = 0;
  throttledCalls = 0;

  /** Records an instance's outcome; every instance is logged once, when the run ends. */
  record(result: InstanceResult): void {
    this.results.set(result.instanceId, result);
  }

  failAll(ids: readonly string[], errorCode: string, message: string): void {
    for (const instanceId of ids) {
      this.record({ instanceId, outcome: 'failed', errorCode, errorMessage: message });
    }
  }

  /** The ids whose outcome is `outcome`. */
  idsWith(outcome: Outcome): string[] {
    return this.all()
      .filter((r) => r.outcome === outcome)
      .map((r) => r.instanceId);
  }

  /** True when any instance has an outcome other than deferred, or was seen in transit. */
  reachedAny(): boolean {
    return this.inTransit.size > 0 || this.all().some((r) => r.outcome !== 'deferred');
  }

  all(): InstanceResult[] {
    return [...this.results.values()];
  }
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
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
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
    started: count('started'),
    stopped: count('stopped'),
    skipped: count('skipped'),
    deferred: count('deferred'),
    failed: count('failed'),
    unverified: results.filter((r) => r.verified === false).length,
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
