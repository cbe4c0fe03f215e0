/**
 * Sending start or stop calls: batches of up to 1,000 ids, sized and timed by the pacer, shrunk
 * when EC2 throttles, and split when one bad instance (or a few) fails the whole call (see
 * `isolate.ts`). Carried batches of a follow-up run are looked at again first.
 */
import { StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { tagActedOn } from './audit';
import type { RunContext } from './context';
import { errorCode, GONE_CODES, isAbort, isThrottle } from './errors';
import { Searches } from './isolate';
import { lookAgain } from './look-again';
import { MAX_BATCH } from './pacer';

/** Ids sent together in one StartInstances or StopInstances call, and how. */
export interface Batch {
  readonly ids: string[];
  readonly hibernate: boolean;
  /** Plain stop after hibernation was refused. */
  readonly fallback?: boolean;
  /** Handed over by the previous run: to be looked at again before anything is done. */
  readonly carried?: boolean;
}

/** `ids` in batches of at most {@link MAX_BATCH}. */
export function batchesOf(ids: readonly string[], hibernate: boolean, carried = false): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < ids.length; i += MAX_BATCH) {
    out.push({ ids: ids.slice(i, i + MAX_BATCH), hibernate, ...(carried ? { carried } : {}) });
  }
  return out;
}

/** How one call went. */
type SendResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'throttled' }
  /** The call ran into the deadline: EC2 may or may not have acted. */
  | { readonly kind: 'aborted' }
  /** EC2 refused the call for a reason other than throttling. */
  | { readonly kind: 'failed'; readonly error: unknown };

/** Where sending stopped. */
export type SendEnd =
  /** Everything was sent, or nothing may be sent before the window closes (`windowClosed`). */
  | { readonly kind: 'done'; readonly windowClosed?: readonly string[] }
  /** The deadline came first: these batches are left for a follow-up run. */
  | { readonly kind: 'deadline'; readonly left: Batch[] };

/** Sends the queued batches (the queue is emptied). */
export async function sendBatches(
  ctx: RunContext,
  queue: Batch[],
  notAfter: Date,
): Promise<SendEnd> {
  const { budget, clock, pacer } = ctx;
  const searches = new Searches(pacer);
  while (queue.length > 0) {
    const batch = queue.shift() as Batch;
    if (batch.carried) {
      if (!(await lookAgain(ctx, batch, queue))) return { kind: 'deadline', left: queue.splice(0) };
      continue;
    }
    const part = searches.partOf(batch, queue, clock.now());
    const { size, waitMs, probe } = pacer.nextBatch(
      part ?? batch.ids.length,
      clock.now(),
      budget.timeToAct() - budget.callEstimateMs,
      part,
    );
    if (size < batch.ids.length) queue.unshift({ ...batch, ids: batch.ids.slice(size) });
    const ids = batch.ids.slice(0, size);
    if (clock.now() + waitMs >= notAfter.getTime()) {
      // The schedule's opposite transition comes first: acting now would undo it.
      return { kind: 'done', windowClosed: [...ids, ...queue.splice(0).flatMap((b) => b.ids)] };
    }
    // The audit tag that follows is best effort: only the start or stop call must fit.
    if (waitMs + budget.callEstimateMs > budget.timeToAct()) {
      queue.unshift({ ...batch, ids });
      return { kind: 'deadline', left: queue.splice(0) };
    }
    if (waitMs > 0) await clock.sleep(waitMs);
    const result = await send(ctx, ids, batch, probe);
    if (result.kind === 'throttled') {
      queue.unshift({ ...batch, ids });
    } else if (result.kind === 'aborted') {
      // Acting again is safe: a start of a running instance changes nothing.
      return { kind: 'deadline', left: [{ ...batch, ids }, ...queue.splice(0)] };
    } else if (result.kind === 'failed') {
      // One bad instance (or a few) failed the call: set apart what the error names, or search.
      const placement = (id: string) => ctx.placement.get(id);
      const { settle, resend } = searches.failed(result.error, ids, queue, placement);
      queue.unshift(...resend.map((group) => ({ ...batch, ids: group })));
      for (const instanceId of settle) settleOne(ctx, queue, result.error, instanceId, batch);
    }
  }
  return { kind: 'done' };
}

/** One StartInstances or StopInstances call; the pacer learns what it cost. */
async function send(
  ctx: RunContext,
  ids: string[],
  batch: Batch,
  probe = false,
): Promise<SendResult> {
  const { event, deps, clock, pacer, record } = ctx;
  const actions = deps.ec2Actions ?? deps.ec2;
  const start = event.action === 'start';
  let attempts: number;
  try {
    const output = await ctx.budget.call((httpOptions) =>
      start
        ? actions.send(new StartInstancesCommand({ InstanceIds: ids }), httpOptions)
        : actions.send(
            new StopInstancesCommand({
              InstanceIds: ids,
              ...(batch.hibernate ? { Hibernate: true } : {}),
            }),
            httpOptions,
          ),
    );
    attempts = output.$metadata?.attempts ?? 1;
  } catch (err) {
    const at = clock.now();
    if (isThrottle(err)) {
      record.throttledCalls++;
      pacer.throttled(ids.length, at, probe);
      deps.logger.warn('throttled by EC2; shrinking the batch', {
        schedule: event.schedule,
        batch: ids.length,
        nextBatchCap: pacer.batchCap,
      });
      return { kind: 'throttled' };
    }
    // Every attempt the SDK made may have cost EC2's tokens.
    const tries = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    pacer.failed(ids.length, at, tries, probe);
    return isAbort(err) ? { kind: 'aborted' } : { kind: 'failed', error: err };
  }
  const at = clock.now();
  pacer.succeeded(ids.length, at, attempts, probe);
  await tagActedOn(ctx, ids, start ? 'started' : 'stopped', at);
  for (const instanceId of ids) {
    record.record({
      instanceId,
      outcome: start ? 'started' : 'stopped',
      ...(batch.hibernate ? { hibernated: true } : {}),
      ...(batch.fallback ? { reason: 'hibernation refused; stopped without it' } : {}),
    });
  }
  return { kind: 'done' };
}

/** Settles one instance a call failed for: a plain stop instead, skipped if gone, or failed. */
function settleOne(
  ctx: RunContext,
  queue: Batch[],
  err: unknown,
  instanceId: string,
  batch: Batch,
): void {
  const code = errorCode(err);
  const message = (err as Error).message ?? String(err);
  if (batch.hibernate && code === 'UnsupportedHibernationConfiguration') {
    queue.unshift({ ids: [instanceId], hibernate: false, fallback: true });
  } else if (GONE_CODES.has(code)) {
    ctx.record.record({
      instanceId,
      outcome: 'skipped',
      reason: 'instance no longer exists',
      errorCode: code,
    });
  } else {
    ctx.record.record({ instanceId, outcome: 'failed', errorCode: code, errorMessage: message });
  }
}
