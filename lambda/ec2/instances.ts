/**
 * EC2 instances as a kind of scheduled resource (`run/kind.ts`): listed by tag and state
 * (`list.ts`) or taken from the follow-up state, sorted by the skip rules (`skip-rules.ts`), sent
 * in paced batches that are looked at again when stale, waited for in transit and split when one
 * instance fails the call (`batches.ts`, `look-again.ts`, `isolate.ts`), verified after a start
 * (`verify.ts`) and given audit tags (`audit.ts`). A follow-up state carries them as
 * `instances: {plain, hibernate}`.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import type { SchedulerEvent } from '../../lib/contract/schedule-input';
import type { RunContext } from '../run/context';
import { describeError, isAbort, logAttributes } from '../run/errors';
import type { ActEnd, KindWork, Pending, Prepared, ResourceKind } from '../run/kind';
import { type Batch, batchesOf } from './batch';
import { drain, sendBatches } from './batches';
import type { Ec2RunDeps } from './clients';
import { type Ec2Context, listedStates, stateFor, transitFor } from './context';
import { listInstances } from './list';
import { sortInstances } from './skip-rules';
import { MIN_VERIFY_MS, verifyRunStarts } from './verify';

/** EC2 instances tagged `<tagKey>=<schedule>`, started or stopped. */
export const instances: ResourceKind<Ec2RunDeps> = {
  minVerifyMs: MIN_VERIFY_MS,
  carried(event: SchedulerEvent): readonly string[] | undefined {
    const carried = event.followUp?.instances;
    return carried && [...carried.hibernate, ...carried.plain];
  },
  open: (ctx) => new InstanceWork(ctx),
};

/** One run's work on instances: the batches queued, and the instances waited for in transit. */
class InstanceWork implements KindWork {
  private readonly ctx: Ec2Context;
  /** Batches waiting to be sent, hibernating stops first. */
  private queue: Batch[] = [];

  constructor(run: RunContext<Ec2RunDeps>) {
    this.ctx = { ...run, placement: new Map(), waiting: new Set() };
  }

  async prepare(): Promise<Prepared> {
    const { event, record, clock } = this.ctx;
    const carried = event.followUp?.instances;
    if (carried) {
      // The previous run listed these and could not reach them: they are looked at again (by id)
      // before anything is done to them, not listed again.
      record.found = carried.plain.length + carried.hibernate.length;
      this.queue = [...batchesOf(carried.hibernate, true), ...batchesOf(carried.plain, false)];
      return { listed: false };
    }
    const listedAt = clock.now();
    const { listed, ...listing } = await listForRun(this.ctx);
    this.queue = sortInstances(this.ctx, listed, listedAt);
    return { listed: true, ...listing };
  }

  act(notAfter: Date): Promise<ActEnd> {
    return sendBatches(this.ctx, this.queue, notAfter);
  }

  dryRun(): void {
    const { event, record, waiting } = this.ctx;
    const outcome = event.action === 'start' ? 'started' : 'stopped';
    for (const batch of this.queue.splice(0)) {
      for (const instanceId of batch.ids) {
        record.record({ instanceId, outcome, ...(batch.hibernate ? { hibernated: true } : {}) });
      }
    }
    const reason = `${transitFor(event)} now: would be ${outcome} once ${stateFor(event)}`;
    for (const instanceId of drain(waiting)) record.record({ instanceId, outcome, reason });
  }

  verify(): Promise<void> {
    return verifyRunStarts(this.ctx);
  }

  takePending(): Pending {
    // Those waited for in transit go last, as plain starts or stops.
    const batches = [...this.queue.splice(0), ...batchesOf(drain(this.ctx.waiting), false)];
    const idsOf = (hibernate: boolean) =>
      batches.filter((b) => b.hibernate === hibernate).flatMap((b) => b.ids);
    return {
      ids: batches.flatMap((b) => b.ids),
      carry: { instances: { plain: idsOf(false), hibernate: idsOf(true) } },
    };
  }
}

/** What a run's listing found. */
interface Listing {
  readonly listed: Instance[];
  /** The deadline came first: a follow-up lists again. */
  readonly cutShort: boolean;
  /** A call failed after the SDK's retries: instances not listed are not reached. */
  readonly error?: { readonly errorCode: string; readonly message: string };
}

/**
 * The tagged instances in the state this action applies to, or on their way into it: all of them,
 * or the pages listed before the deadline (cutShort), or before a call failed after the SDK's
 * retries (error).
 */
async function listForRun(ctx: Ec2Context): Promise<Listing> {
  const { event, deps, budget, record } = ctx;
  const listed: Instance[] = [];
  let cutShort = false;
  let error: Listing['error'];
  // Before each page, the first included: is there time for it?
  if (!budget.fits(1)) cutShort = true;
  else {
    const pages = listInstances({
      ec2: deps.ec2,
      tagKey: event.tagKey,
      schedule: event.schedule,
      states: listedStates(event),
      call: (fn) => budget.call(fn),
    });
    try {
      for await (const page of pages) {
        listed.push(...page);
        if (!budget.fits(1)) {
          cutShort = true;
          break;
        }
      }
    } catch (err) {
      // The deadline cut a page off: a follow-up lists again. Any other fault ends the listing.
      if (isAbort(err)) cutShort = true;
      else error = describeError(err);
    }
    record.found = listed.length;
  }
  logListing(ctx, listed.length, cutShort, error);
  return { listed, cutShort, ...(error ? { error } : {}) };
}

function logListing(
  ctx: Ec2Context,
  listed: number,
  cutShort: boolean,
  error: Listing['error'],
): void {
  const { logger } = ctx.deps;
  const schedule = ctx.event.schedule;
  if (cutShort) {
    // Act on what was listed; a follow-up run lists again (instances started or stopped here no
    // longer match its filter).
    logger.warn('deadline reached while listing instances', { schedule, listed });
  }
  if (error) {
    logger.error('listing instances failed; instances not listed are not reached', {
      schedule,
      listed,
      ...logAttributes(error),
    });
  }
}
