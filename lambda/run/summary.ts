/** What a run returns, logs and publishes as metrics. */
import type { ScheduleAction } from '../../lib/contract/schedule-input';
import type { RunFaults } from './chain';

/** One run's summary: its counts, faults and calls. */
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
  /** Instances (EC2 instances only, as every instance count here; groups have their own). */
  readonly started: number;
  readonly stopped: number;
  readonly skipped: number;
  readonly deferred: number;
  readonly failed: number;
  /** Started, but still pending when verification timed out. */
  readonly unverified: number;
  /**
   * Groups (Auto Scaling groups and EKS node groups, each line naming its `resource`) scaled back
   * to their saved size (an unverified one says so on its line).
   */
  readonly groupsStarted: number;
  /** Groups scaled to zero, their size saved. */
  readonly groupsStopped: number;
  /** Groups left alone (each line says why). */
  readonly groupsSkipped: number;
  /** Node groups whose update in progress outlasted the run, left for the next firing. */
  readonly groupsDeferred: number;
  /** Groups that failed (listed in `failures` with the instances). */
  readonly groupsFailed: number;
  /** Instances given the audit tag. */
  readonly auditTagged: number;
  /** Instances whose override tag was malformed or reached too far ahead, and was ignored. */
  readonly overridesIgnored: number;
  /**
   * The failed instances and groups (a group by its name; at most 100 listed:
   * `MAX_LISTED_FAILURES` in `report.ts`).
   */
  readonly failures: readonly { instanceId: string; errorCode: string; message: string }[];
  /** The follow-up run queued for deferred instances, if any. */
  readonly followUp?: { readonly attempt: number; readonly notAfter: string };
  readonly apiCalls: number;
  readonly throttledCalls: number;
  readonly durationMs: number;
}

/** Publishes a run's summary (CloudWatch metrics in Lambda: `metrics.ts`). */
export interface RunMetrics {
  publish(summary: RunSummary): void;
}
