/**
 * A hub's follow-up run that cannot reach its target (the spoke role cannot be assumed) still
 * reports as any run does: what it carried fails with the cause, a listing it would have redone
 * is said not done, the chain's earlier failures stay in the summary, and the lines, summary and
 * metrics are written. Its invocation then fails as the chain's last run.
 */
import type { RunInput } from '../../lib/contract/schedule-input-parser';
import type { RunBudget } from '../run/budget';
import { newContext } from '../run/context';
import { realClock, type RunDeps } from '../run/deps';
import type { ResourceKind } from '../run/kind';
import { writeReport } from '../run/report';
import type { RunSummary } from '../run/summary';

/**
 * Reports the follow-up in `input` as failed for `cause`; `budget` counted the calls it made.
 * @param cause the code and message of why the target could not be reached
 * @param kind what the follow-up acts on (it says what the follow-up state carries)
 */
export function reportUnreachedTarget<D extends RunDeps>(
  input: RunInput,
  deps: D,
  budget: RunBudget,
  cause: { readonly errorCode: string; readonly message: string },
  kind: ResourceKind<D>,
): RunSummary {
  const { event } = input;
  const startedAt = (deps.clock ?? realClock).now();
  const ctx = newContext(input, deps, budget, startedAt);
  const carried = kind.carried(event);
  const ids = carried ?? [];
  ctx.record.found = ids.length;
  const message = `the spoke role could not be assumed: ${cause.errorCode}: ${cause.message}`;
  ctx.record.failAll(ids, cause.errorCode, message);
  // A follow-up that carried nothing was to list; one with `relist`, to list again.
  const notListed = carried === undefined || event.followUp?.relist === true;
  deps.logger.error('target failed', {
    schedule: event.schedule,
    errorCode: cause.errorCode,
    errorMessage: cause.message,
    instances: ids.length,
    notListed,
  });
  return writeReport(ctx, startedAt, {
    error: { errorCode: cause.errorCode, message },
    ...(notListed ? { notListed: true } : {}),
  });
}
