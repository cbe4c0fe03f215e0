/**
 * Looking again, by id, at instances before acting on them: those a previous run handed over,
 * those listed more than a minute ago, and those waited for in transit. Instances no longer
 * tagged for this schedule or no longer in (or on their way into) the state the action applies to
 * are left alone, and the skip rules apply again (an override may have been set, or the instance
 * may have joined an Auto Scaling group).
 */
import { Batch, needsLook, unlisted } from './batch';
import { type Ec2Context, listedStates, stateFor } from './context';
import { describeError, isAbort } from '../run/errors';
import { describeStillMatching, idsPerLook } from './list';
import { sortInstances } from './skip-rules';

/**
 * Looks at about what the next calls will send of `batch` (and of the batches after it that
 * need a look too, up to one call's worth), and puts what is still to be done at the head of
 * `queue`. Returns false when the deadline leaves no time to look and act (the batch is back in
 * the queue).
 */
export async function lookAgain(ctx: Ec2Context, batch: Batch, queue: Batch[]): Promise<boolean> {
  const { budget, event, clock } = ctx;
  if (!budget.fits(2, true)) {
    queue.unshift(batch);
    return false;
  }
  const states = listedStates(event);
  const { size } = ctx.pacer.nextBatch(batch.ids.length, clock.now());
  const head = headOf(batch, queue, Math.max(size, idsPerLook(states.length)), clock.now());
  let looked: Awaited<ReturnType<typeof describeStillMatching>>;
  try {
    looked = await describeStillMatching({
      ec2: ctx.deps.ec2,
      tagKey: event.tagKey,
      schedule: event.schedule,
      states,
      ids: head,
      call: (fn) => budget.call(fn),
      // Another look only when there is time to spare for acting on what it finds.
      haveTime: () => budget.fits(3, true),
    });
  } catch (err) {
    if (isAbort(err)) {
      queue.unshift(unlisted(batch, head));
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
  if (looked.notLooked.length > 0) queue.unshift(unlisted(batch, looked.notLooked));
  const sorted = sortInstances(ctx, looked.matching, clock.now());
  // A plain stop after hibernation was refused stays one.
  queue.unshift(
    ...(batch.fallback ? sorted.map((b) => ({ ...b, hibernate: false, fallback: true })) : sorted),
  );
  return true;
}

/**
 * Up to `want` ids to look at: the head of `batch` (its rest goes back to the queue), then, when
 * it had fewer, the ids of the next batches of the same kind that need a look as well.
 */
function headOf(batch: Batch, queue: Batch[], want: number, now: number): string[] {
  const head = batch.ids.slice(0, want);
  if (head.length < batch.ids.length) {
    queue.unshift({ ...batch, ids: batch.ids.slice(head.length) });
    return head;
  }
  while (head.length < want && queue.length > 0) {
    const next = queue[0];
    if (!!next.fallback !== !!batch.fallback || !needsLook(next, now)) break;
    queue.shift();
    const taken = next.ids.slice(0, want - head.length);
    head.push(...taken);
    if (taken.length < next.ids.length)
      queue.unshift({ ...next, ids: next.ids.slice(taken.length) });
  }
  return head;
}
