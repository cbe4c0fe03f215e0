/**
 * A hub's follow-up run that cannot reach its target (the spoke role cannot be assumed) still
 * reports as any run does: the instances it carried fail with the cause, a listing it would have
 * redone is said not done, the chain's earlier failures stay in the summary, and the lines,
 * summary and metrics are written. Its invocation then fails as the chain's last run.
 */
import type { RunInput } from '../../lib/contract/schedule-input-parser';
import type { RunBudget } from '../run/budget';
import type { RunContext } from '../run/context';
import { realClock, type RunDeps } from '../run/deps';
import { EC2_DEFAULT_LIMITS, Pacer } from '../run/pacer';
import { RunRecord } from '../run/record';
import { writeReport } from '../run/report';
import type { RunSummary } from '../run/summary';

/**
 * Reports the follow-up in `input` as failed for `cause`; `budget` counted the calls it made.
 * @param cause the code and message of why the target could not be reached
 */
export function reportUnreachedTarget(
  input: RunInput,
  deps: RunDeps,
  budget: RunBudget,
  cause: { readonly errorCode: string; readonly message: string },
): RunSummary {
  const { event } = input;
  const clock = deps.clock ?? realClock;
  const startedAt = clock.now();
  const record = new RunRecord();
  const carried = event.followUp?.instances;
  const ids = carried ? [...carried.hibernate, ...carried.plain] : [];
  record.found = ids.length;
  const message = `the spoke role could not be assumed: ${cause.errorCode}: ${cause.message}`;
  record.failAll(ids, cause.errorCode, message);
  // A follow-up that carried no instances was to list them; one with `relist`, to list again.
  const notListed = carried === undefined || event.followUp?.relist === true;
  deps.logger.error('target failed', {
    schedule: event.schedule,
    errorCode: cause.errorCode,
    errorMessage: cause.message,
    instances: ids.length,
    notListed,
  });
  const limits = (deps.limits ?? EC2_DEFAULT_LIMITS)[event.action];
  const ctx: RunContext = {
    input,
    event,
    deps,
    clock,
    budget,
    record,
    pacer: new Pacer(limits, startedAt, event.followUp?.buckets),
    placement: new Map(),
    waiting: new Set(),
    firedAt: input.scheduledTime ?? new Date(startedAt),
  };
  return writeReport(ctx, startedAt, {
    error: { errorCode: cause.errorCode, message },
    ...(notListed ? { notListed: true } : {}),
  });
}
