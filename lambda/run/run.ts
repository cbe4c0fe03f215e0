/**
 * One run of a schedule, phase by phase: judge whether it acts and until when (`window.ts`), list
 * the tagged instances (or look again at those a previous run handed over), act on them in paced
 * batches, waiting for those on their way into the state acted on (`batches.ts`), verify the
 * starts (`verify.ts`), hand what the deadline leaves to a follow-up run (`hand-over.ts`), and
 * report (`report.ts`). The Lambda entry points are thin shells over `handle`.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import {
  MAX_CARRIED,
  MAX_FOLLOW_UPS,
  type ScheduleAction,
} from '../../lib/contract/schedule-input';
import { parseScheduleInput, RunInput } from '../../lib/contract/schedule-input-parser';
import { localDate } from '../../lib/schedule/time-zone';
import { Batch, batchesOf } from '../ec2/batch';
import { drain, sendBatches } from '../ec2/batches';
import { RunBudget } from './budget';
import { chainFailures, problemsOf } from './chain';
import { listedStates, RunContext, stateFor, transitFor } from './context';
import { realClock, type RunDeps } from './deps';
import { describeError, isAbort, logAttributes } from './errors';
import { handOver } from './hand-over';
import { listInstances } from '../ec2/list';
import { EC2_DEFAULT_LIMITS, Pacer } from './pacer';
import { RunRecord } from './record';
import { RunFailedError, writeReport } from './report';
import type { RunSummary } from './summary';
import { sortInstances } from '../ec2/skip-rules';
import { MIN_VERIFY_MS, verifyRunStarts } from '../ec2/verify';
import { chainEnd, closeWindow, judgeEnforcement } from './window';

export { MAX_CARRIED, MAX_FOLLOW_UPS, RunFailedError };
export type { Clock, RunDeps, RunLogger } from './deps';
export type { InstanceResult, Outcome } from './record';
export type { RunMetrics, RunSummary } from './summary';

/**
 * Parses the raw event, runs it, and fails the invocation (after the summary and metrics) when
 * the run is the last of its chain and anything in the chain failed.
 */
export async function handle(
  raw: unknown,
  action: ScheduleAction,
  deps: RunDeps,
): Promise<RunSummary> {
  return endOfRun(await runSchedule(parseInput(raw, action, deps), deps));
}

/** Checks the raw event for the function that handles `action`, against the deployment. */
export function parseInput(raw: unknown, action: ScheduleAction, deps: RunDeps): RunInput {
  const limits = (deps.limits ?? EC2_DEFAULT_LIMITS)[action];
  return parseScheduleInput(raw, action, {
    deployment: deps.deployment,
    followUpBounds: {
      requestCapacity: limits.request.capacity,
      resourceCapacity: limits.resource.capacity,
      now: (deps.clock ?? realClock).now(),
    },
  });
}

/** Fails the invocation when the run is the last of its chain and anything in the chain failed. */
export function endOfRun(summary: RunSummary): RunSummary {
  // A run with a successor never fails: a retry of it would start a second chain.
  if (!summary.followUp && chainFailures(summary)) throw new RunFailedError(summary);
  return summary;
}

export async function runSchedule(input: RunInput, deps: RunDeps): Promise<RunSummary> {
  return new Run(input, deps).execute();
}

/** What the listing found. */
interface Listing {
  readonly instances: Instance[];
  /** The deadline came first: a follow-up lists again. */
  readonly cutShort: boolean;
  /** A call failed after the SDK's retries: instances not listed are not reached. */
  readonly error?: { readonly errorCode: string; readonly message: string };
}

class Run {
  private readonly ctx: RunContext;
  private readonly startedAt: number;
  /** Batches waiting to be sent: what a fault nothing else handles fails. */
  private queue: Batch[] = [];

  constructor(input: RunInput, deps: RunDeps) {
    const clock = deps.clock ?? realClock;
    this.startedAt = clock.now();
    const { event } = input;
    const limits = (deps.limits ?? EC2_DEFAULT_LIMITS)[event.action];
    this.ctx = {
      input,
      event,
      deps,
      clock,
      budget: new RunBudget(
        deps.remainingMs,
        clock,
        event,
        deps.followUp !== undefined,
        MIN_VERIFY_MS,
      ),
      record: new RunRecord(),
      pacer: new Pacer(limits, this.startedAt, event.followUp?.buckets),
      placement: new Map(),
      waiting: new Set(),
      firedAt: input.scheduledTime ?? new Date(this.startedAt),
    };
  }

  /** Runs the schedule; whatever happens, every instance reached has its line and the summary is written. */
  async execute(): Promise<RunSummary> {
    let outcome: Partial<RunSummary>;
    try {
      outcome = await this.phases();
    } catch (err) {
      // A fault nothing else handled: what is still waiting fails with it, and the run reports.
      const error = describeError(err);
      this.ctx.record.failAll(
        [...this.queue.flatMap((b) => b.ids), ...drain(this.ctx.waiting)],
        error.errorCode,
        error.message,
      );
      this.queue = [];
      this.ctx.deps.logger.error('run failed', {
        schedule: this.ctx.event.schedule,
        ...logAttributes(error),
      });
      outcome = { error };
    }
    return writeReport(this.ctx, this.startedAt, outcome);
  }

  private async phases(): Promise<Partial<RunSummary>> {
    const { event, record, clock } = this.ctx;
    const { firedAt } = this.ctx;
    const skipDate = this.skipDateOf(firedAt);
    if (skipDate) return { skipDate };
    const verdict = judgeEnforcement(this.ctx, firedAt);
    if (verdict && !verdict.acts) return this.leaveAlone(verdict.summary, verdict.notAfter);
    const notAfter = verdict?.notAfter ?? chainEnd(this.ctx, firedAt);

    const carried = event.followUp?.instances;
    const outcome: { listingFailed?: RunSummary['listingFailed'] } = {};
    // Whether a later run must list again: the listing was cut short here, or before.
    let relist: boolean;
    if (carried) {
      // The previous run listed these and could not reach them: they are looked at again (by id)
      // before anything is done to them, not listed again.
      relist = event.followUp?.relist ?? false;
      record.found = carried.plain.length + carried.hibernate.length;
      this.queue = [...batchesOf(carried.hibernate, true), ...batchesOf(carried.plain, false)];
    } else {
      const listedAt = clock.now();
      const listing = await this.list();
      relist = listing.cutShort;
      if (listing.error) outcome.listingFailed = listing.error;
      this.queue = sortInstances(this.ctx, listing.instances, listedAt);
    }
    if (clock.now() >= notAfter.getTime()) {
      const ids = [...this.queue.splice(0).flatMap((b) => b.ids), ...drain(this.ctx.waiting)];
      // An enforcement check leaves the instances not listed to the start as well.
      const notListed = relist && !this.ctx.input.enforce;
      return {
        ...outcome,
        ...closeWindow(this.ctx, ids, notAfter),
        ...(notListed ? { notListed } : {}),
      };
    }
    const { left, closed } = event.dryRun ? { left: this.dryRun() } : await this.act(notAfter);
    if (!event.dryRun) await verifyRunStarts(this.ctx);
    const problems = problemsOf(outcome);
    return {
      ...outcome,
      ...closed,
      ...(await handOver(this.ctx, { batches: left, relist, notAfter, problems })),
    };
  }

  /**
   * An enforcement check that does nothing: the instances a follow-up carries are left to the
   * schedule's start (skipped, with its time), and no EC2 API is called.
   */
  private leaveAlone(
    summary: Partial<RunSummary>,
    notAfter: Date | undefined,
  ): Partial<RunSummary> {
    const carried = this.ctx.event.followUp?.instances;
    if (carried && notAfter) {
      const ids = [...carried.plain, ...carried.hibernate];
      this.ctx.record.found = ids.length;
      closeWindow(this.ctx, ids, notAfter);
    }
    return summary;
  }

  /** The local date when it is one of the schedule's skip dates and this is a start. */
  private skipDateOf(firedAt: Date): string | undefined {
    const { event, deps } = this.ctx;
    if (event.action !== 'start' || event.skipDates.length === 0) return undefined;
    const today = localDate(firedAt, event.timeZone);
    if (!event.skipDates.includes(today)) return undefined;
    deps.logger.info('skip date: no start today', {
      schedule: event.schedule,
      localDate: today,
      timeZone: event.timeZone,
    });
    return today;
  }

  /**
   * The tagged instances in the state this action applies to, or on their way into it: all of
   * them, or the pages listed before the deadline (cutShort), or before a call failed after the
   * SDK's retries (error).
   */
  private async list(): Promise<Listing> {
    const { event, deps, budget, record } = this.ctx;
    const instances: Instance[] = [];
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
          instances.push(...page);
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
      record.found = instances.length;
    }
    this.logListing(instances.length, cutShort, error);
    return { instances, cutShort, ...(error ? { error } : {}) };
  }

  private logListing(listed: number, cutShort: boolean, error: Listing['error']): void {
    const { logger } = this.ctx.deps;
    const schedule = this.ctx.event.schedule;
    if (cutShort) {
      // Act on what was listed; a follow-up run lists again (instances started or stopped here
      // no longer match its filter).
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

  /** Records what the run would do, and sends nothing. */
  private dryRun(): Batch[] {
    const { event, record, waiting } = this.ctx;
    const outcome = event.action === 'start' ? 'started' : 'stopped';
    for (const batch of this.queue.splice(0)) {
      for (const instanceId of batch.ids) {
        record.record({ instanceId, outcome, ...(batch.hibernate ? { hibernated: true } : {}) });
      }
    }
    const reason = `${transitFor(event)} now: would be ${outcome} once ${stateFor(event)}`;
    for (const instanceId of drain(waiting)) record.record({ instanceId, outcome, reason });
    return [];
  }

  /**
   * Sends the queued batches; returns what the deadline left for a follow-up run, or what the
   * summary says of the instances the window closed on.
   */
  private async act(notAfter: Date): Promise<{ left: Batch[]; closed?: Partial<RunSummary> }> {
    const end = await sendBatches(this.ctx, this.queue, notAfter);
    if (end.kind === 'deadline') return { left: end.left };
    const closed = end.windowClosed ? closeWindow(this.ctx, end.windowClosed, notAfter) : {};
    return { left: [], closed };
  }
}
