/**
 * A follow-up run looks again at the instances it was handed before acting on them: those no
 * longer tagged for this schedule or no longer in the state the action applies to are left
 * alone, and the skip rules apply again (an instance may have joined an Auto Scaling group).
 */
import type { Batch } from './batches';
import { RunContext, stateFor } from './context';
import { describeError, isAbort } from './errors';
import { describeStillMatching } from './list';
import { sortInstances } from './skip-rules';

/** Carried ids are looked at again this many at a time (what one DescribeInstances call takes). */
export const LOOK_AGAIN_CHUNK = 198;

/**
 * Looks at about what the next calls will send of `batch`, and puts what is still to be done at
 * the head of `queue`. Returns false when the deadline leaves no time to look and act (the batch
 * is back in the queue).
 */
export async function lookAgain(ctx: RunContext, batch: Batch, queue: Batch[]): Promise<boolean> {
  const { budget, event } = ctx;
  if (!budget.fits(2, true)) {
    queue.unshift(batch);
    return false;
  }
  const { size } = ctx.pacer.nextBatch(batch.ids.length, ctx.clock.now());
  const head = batch.ids.slice(0, Math.max(size, LOOK_AGAIN_CHUNK));
  if (head.length < batch.ids.length) {
    queue.unshift({ ...batch, ids: batch.ids.slice(head.length) });
  }
  let looked: Awaited<ReturnType<typeof describeStillMatching>>;
  try {
    looked = await describeStillMatching({
      ec2: ctx.deps.ec2,
      tagKey: event.tagKey,
      schedule: event.schedule,
      states: [stateFor(event)],
      ids: head,
      call: (fn) => budget.call(fn),
      // Another look only when there is time to spare for acting on what it finds.
      haveTime: () => budget.fits(3, true),
    });
  } catch (err) {
    if (isAbort(err)) {
      queue.unshift({ ...batch, ids: head });
      return false;
    }
    const { errorCode: code, message } = describeError(err);
    ctx.record.failAll(
      head,
      code,
      `could not look at the instance again before acting: ${message}`,
    );
    return true;
  }
  const reason = `no longer tagged ${event.tagKey}=${event.schedule} and ${stateFor(event)}`;
  for (const instanceId of looked.gone)
    ctx.record.record({ instanceId, outcome: 'skipped', reason });
  if (looked.notLooked.length > 0) queue.unshift({ ...batch, ids: looked.notLooked });
  queue.unshift(...sortInstances(ctx, looked.matching));
  return true;
}
