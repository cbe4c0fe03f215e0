/**
 * A follow-up chain reports its failures once. A run that queued its follow-up never fails its
 * invocation (so no retry of it by Lambda, EventBridge Scheduler or a person can start a second
 * chain); it hands its failures on, and the chain's last run fails the invocation naming them all.
 */
import {
  ChainFailures,
  MAX_CHAIN_PROBLEMS,
  MAX_NAMED_FAILURES,
  ScheduleAction,
} from '../../lib/contract/schedule-input';

/** What a run reports beyond its instances: faults of the whole run, and of the chain before it. */
export interface RunFaults {
  /** Failures of the chain's earlier runs, carried in this run's input. */
  readonly earlierFailures?: ChainFailures;
  /** The listing failed (after the SDK's retries): instances not listed were not reached. */
  readonly listingFailed?: { readonly errorCode: string; readonly message: string };
  /** The follow-up run could not be queued: what it would have done is failed. */
  readonly handOverFailed?: { readonly errorCode: string; readonly message: string };
  /** Instances beyond a listing cut short were not reached, and have no line of their own. */
  readonly notListed?: boolean;
  /** The run stopped on a fault nothing else handled; instances still waiting failed with it. */
  readonly error?: { readonly errorCode: string; readonly message: string };
}

/** What the chain needs of a run's summary. */
interface RunReport extends RunFaults {
  readonly schedule: string;
  readonly action: ScheduleAction;
  /** How many of its instances failed, and the first of them (groups among them). */
  readonly failed: number;
  /** How many of its Auto Scaling groups failed. */
  readonly groupsFailed?: number;
  readonly failures: readonly NamedFailure[];
}

export interface NamedFailure {
  readonly instanceId: string;
  readonly errorCode: string;
}

/** The chain's failures after a run: the earlier ones, then the run's own. */
export function addFailures(
  earlier: ChainFailures | undefined,
  ownCount: number,
  own: readonly NamedFailure[],
  problems: readonly string[],
): ChainFailures | undefined {
  const count = (earlier?.count ?? 0) + ownCount;
  const allProblems = [...(earlier?.problems ?? []), ...problems].slice(0, MAX_CHAIN_PROBLEMS);
  if (count === 0 && allProblems.length === 0) return undefined;
  const first = [...(earlier?.first ?? []), ...own].slice(0, MAX_NAMED_FAILURES);
  return {
    count,
    first: first.map(({ instanceId, errorCode }) => ({ instanceId, errorCode })),
    ...(allProblems.length > 0 ? { problems: allProblems } : {}),
  };
}

/** A run's whole-run faults, as the chain carries them. */
export function problemsOf(faults: RunFaults): string[] {
  const out: string[] = [];
  const { listingFailed, handOverFailed, error } = faults;
  if (listingFailed)
    out.push(`listing failed: ${listingFailed.errorCode}: ${listingFailed.message}`);
  if (handOverFailed) out.push(handOverFailed.message);
  if (faults.notListed) out.push('instances beyond a listing cut short were not reached');
  if (error) out.push(`run failed: ${error.errorCode}: ${error.message}`);
  return out.map((p) => p.slice(0, 500));
}

/** Everything that failed in the chain up to and including this run, if anything did. */
export function chainFailures(report: RunReport): ChainFailures | undefined {
  const own = report.failed + (report.groupsFailed ?? 0);
  return addFailures(report.earlierFailures, own, report.failures, problemsOf(report));
}

/**
 * The error of a chain's last run: how many instances failed, the first of them, and the faults of
 * whole runs.
 */
export function failureMessage(report: RunReport): string {
  const { action, schedule } = report;
  const failures = chainFailures(report) ?? { count: 0, first: [] };
  const earlierCount = report.earlierFailures?.count ?? 0;
  const parts: string[] = [];
  if (failures.count > 0) {
    const earlier = earlierCount > 0 ? ` (${earlierCount} in earlier runs of this chain)` : '';
    const more = failures.count > failures.first.length ? ', ...' : '';
    const what = report.groupsFailed ? 'instance(s) or group(s)' : 'instance(s)';
    parts.push(
      `${failures.count} ${what} failed to ${action} for schedule "${schedule}"${earlier}: ` +
        failures.first.map((f) => `${f.instanceId} (${f.errorCode})`).join(', ') +
        more,
    );
  }
  for (const problem of failures.problems ?? []) parts.push(`schedule "${schedule}": ${problem}`);
  return parts.join('; ');
}
