/**
 * Sending start or stop calls: batches of up to 1,000 ids, sized and timed by the pacer, shrunk
 * when EC2 throttles, and split when one bad instance (or a few) fails the whole call (see
 * `isolate.ts`). Batches carried from a previous run or listed more than a minute before they
 * would be sent are looked at again first; instances in transit are waited for.
 */
import { StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { tagActedOn } from './audit';
import { Batch, batchesOf, needsLook } from './batch';
import { type Ec2Context, transitFor } from './context';
import { errorCode, isAbort, isThrottle } from '../run/errors';
import type { ActEnd } from '../run/kind';
import { GONE_CODES } from './instance-errors';
import { Searches } from './isolate';
import { lookAgain } from './look-again';

/**
 * Instances in transit (stopping for a start, pending for a stop) are looked at again this often,
 * while the run's time allows.
 */
export const TRANSIT_POLL_MS = 5000;

/**
 * Instances still in transit this long after the schedule fired are failed (`StillInTransit`), not
 * waited for any longer: a stop or start takes EC2 seconds to minutes, and one stuck longer needs
 * a person (a forced stop, or AWS Support), not a chain of runs polling it until the window ends.
 */
export const MAX_TRANSIT_WAIT_MS = 20 * 60_000;

/** How one call went. */
type SendResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'throttled' }
  /** The call ran into the deadline: EC2 may or may not have acted. */
  | { readonly kind: 'aborted' }
  /** EC2 refused the call for a reason other than throttling. */
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * Sends the queued batches, waiting for the instances in transit, until all are done (`done`), the
 * deadline comes (`deadline`) or the window would close (`windowClosed`); what is not done is
 * left in `queue` and `ctx.waiting`.
 */
export async function sendBatches(
  ctx: Ec2Context,
  queue: Batch[],
  notAfter: Date,
): Promise<ActEnd> {
  const { budget, clock, pacer } = ctx;
  const searches = new Searches(pacer);
  for (;;) {
    if (queue.length === 0) {
      const end = await awaitTransit(ctx, queue, notAfter);
      if (end) return end;
    }
    const batch = queue.shift() as Batch;
    if (needsLook(batch, clock.now())) {
      if (!(await lookAgain(ctx, batch, queue))) return 'deadline';
      continue;
    }
    const part = searches.partOf(batch, queue, clock.now());
    const { size, waitMs, probe } = pacer.nextBatch(
      part ?? batch.ids.length,
      clock.now(),
      budget.timeToAct() - budget.callEstimateMs,
      part,
    );
    if (clock.now() + waitMs >= notAfter.getTime()) {
      // The schedule's opposite transition comes first: acting now would undo it.
      queue.unshift(batch);
      return 'windowClosed';
    }
    // The audit tag that follows is best effort: only the start or stop call must fit.
    if (waitMs + budget.callEstimateMs > budget.timeToAct()) {
      queue.unshift(batch);
      return 'deadline';
    }
    if (waitMs > 0) await clock.sleep(waitMs);
    if (needsLook(batch, clock.now())) {
      // Listed too long ago by the time it can go: looked at again first (the next round).
      queue.unshift(batch);
      continue;
    }
    const ids = batch.ids.slice(0, size);
    if (size < batch.ids.length) queue.unshift({ ...batch, ids: batch.ids.slice(size) });
    const result = await send(ctx, ids, batch, probe);
    if (result.kind === 'throttled') {
      queue.unshift({ ...batch, ids });
    } else if (result.kind === 'aborted') {
      // Acting again is safe: a start of a running instance changes nothing.
      queue.unshift({ ...batch, ids });
      return 'deadline';
    } else if (result.kind === 'failed') {
      // One bad instance (or a few) failed the call: set apart what the error names, or search.
      const placement = (id: string) => ctx.placement.get(id);
      const { settle, resend } = searches.failed(result.error, ids, queue, placement);
      queue.unshift(...resend.map((group) => ({ ...batch, ids: group })));
      for (const instanceId of settle) settleOne(ctx, queue, result.error, instanceId, batch);
    }
  }
}

/**
 * With nothing else to send, waits one poll for the instances in transit and queues them to be
 * looked at again. Returns where sending ends when there are none, or no poll fits.
 */
async function awaitTransit(
  ctx: Ec2Context,
  queue: Batch[],
  notAfter: Date,
): Promise<ActEnd | undefined> {
  const { budget, clock, waiting } = ctx;
  if (waiting.size === 0) return 'done';
  if (clock.now() >= ctx.firedAt.getTime() + MAX_TRANSIT_WAIT_MS) {
    failStillInTransit(ctx);
    return 'done';
  }
  if (clock.now() + TRANSIT_POLL_MS >= notAfter.getTime()) return 'windowClosed';
  // A poll, a look and a call on what it finds.
  if (TRANSIT_POLL_MS + 2 * budget.callEstimateMs > budget.timeToAct()) return 'deadline';
  await clock.sleep(TRANSIT_POLL_MS);
  queue.push(...batchesOf(drain(waiting), false));
  return undefined;
}

/** The instances still in transit fail: they have been waited for long enough. */
function failStillInTransit(ctx: Ec2Context): void {
  const { event } = ctx;
  const minutes = MAX_TRANSIT_WAIT_MS / 60_000;
  const message = `still ${transitFor(event)} ${minutes} minutes after the schedule fired (${ctx.firedAt.toISOString()}), so not ${event.action === 'start' ? 'started' : 'stopped'}; an instance stuck ${transitFor(event)} needs a person (EC2's forced stop, or AWS Support)`;
  ctx.record.failAll(drain(ctx.waiting), 'StillInTransit', message);
}

/** The set's ids; the set is emptied. */
export function drain(ids: Set<string>): string[] {
  const out = [...ids];
  ids.clear();
  return out;
}

/** One StartInstances or StopInstances call; the pacer learns what it cost. */
async function send(
  ctx: Ec2Context,
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
  ctx: Ec2Context,
  queue: Batch[],
  err: unknown,
  instanceId: string,
  batch: Batch,
): void {
  const code = errorCode(err);
  const message = (err as Error).message ?? String(err);
  if (batch.hibernate && code === 'UnsupportedHibernationConfiguration') {
    queue.unshift({
      ids: [instanceId],
      hibernate: false,
      fallback: true,
      listedAt: batch.listedAt,
    });
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
