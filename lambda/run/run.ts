/**
 * One run of a schedule on a kind of resource (`kind.ts`), phase by phase: judge whether it acts
 * and until when (`window.ts`), have the kind prepare its work (list, or take what a previous run
 * handed over) and act on it within the budget (`budget.ts`) and the pacer (`pacer.ts`), or say
 * what it would do in a dry run, verify, hand what the deadline leaves to a follow-up run
 * (`hand-over.ts`), and report (`report.ts`). `handle.ts` runs the functions' events through it.
 */
import {
  MAX_CARRIED,
  MAX_FOLLOW_UPS,
  type ScheduleAction,
} from '../../lib/contract/schedule-input';
import { parseScheduleInput, RunInput } from '../../lib/contract/schedule-input-parser';
import { localDate } from '../../lib/schedule/time-zone';
import { RunBudget } from './budget';
import { chainFailures, problemsOf } from './chain';
import { newContext, type RunContext } from './context';
import { realClock, type RunDeps } from './deps';
import { describeError, logAttributes } from './errors';
import { handOver } from './hand-over';
import type { ActEnd, KindWork, ResourceKind } from './kind';
import { EC2_DEFAULT_LIMITS } from './pacer';
import { RunFailedError, writeReport } from './report';
import type { RunSummary } from './summary';
import { chainEnd, closeWindow, judgeEnforcement } from './window';

export { MAX_CARRIED, MAX_FOLLOW_UPS, RunFailedError };
export type { Clock, RunDeps, RunLogger } from './deps';
export type { InstanceResult, Outcome } from './record';
export type { RunMetrics, RunSummary } from './summary';

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

/** Runs `input` on `kind`'s resources; whatever happens, returns the summary it wrote. */
export async function runSchedule<D extends RunDeps>(
  input: RunInput,
  deps: D,
  kind: ResourceKind<D>,
): Promise<RunSummary> {
  return new Run(input, deps, kind).execute();
}

class Run<D extends RunDeps> {
  private readonly ctx: RunContext<D>;
  private readonly startedAt: number;
  /** The kind's work in this run: what a fault nothing else handles fails is pending there. */
  private readonly work: KindWork;

  constructor(
    input: RunInput,
    deps: D,
    private readonly kind: ResourceKind<D>,
  ) {
    const clock = deps.clock ?? realClock;
    this.startedAt = clock.now();
    const handsOver = deps.followUp !== undefined;
    const budget = new RunBudget(deps.remainingMs, clock, input.event, handsOver, kind.minVerifyMs);
    this.ctx = newContext(input, deps, budget, this.startedAt);
    this.work = kind.open(this.ctx);
  }

  /** Runs the schedule; whatever happens, everything reached has its line and the summary is written. */
  async execute(): Promise<RunSummary> {
    let outcome: Partial<RunSummary>;
    try {
      outcome = await this.phases();
    } catch (err) {
      // A fault nothing else handled: what is still pending fails with it, and the run reports.
      const error = describeError(err);
      this.ctx.record.failAll(this.work.takePending().ids, error.errorCode, error.message);
      this.ctx.deps.logger.error('run failed', {
        schedule: this.ctx.event.schedule,
        ...logAttributes(error),
      });
      outcome = { error };
    }
    return writeReport(this.ctx, this.startedAt, outcome);
  }

  private async phases(): Promise<Partial<RunSummary>> {
    const { event, clock, firedAt } = this.ctx;
    const skipDate = this.skipDateOf(firedAt);
    if (skipDate) return { skipDate };
    const verdict = judgeEnforcement(this.ctx, firedAt);
    if (verdict && !verdict.acts) return this.leaveAlone(verdict.summary, verdict.notAfter);
    const notAfter = verdict?.notAfter ?? chainEnd(this.ctx, firedAt);

    const prepared = await this.work.prepare();
    // Whether a later run must list again: the listing was cut short here, or before.
    const relist = prepared.listed ? prepared.cutShort : (event.followUp?.relist ?? false);
    const outcome = prepared.listed && prepared.error ? { listingFailed: prepared.error } : {};
    if (clock.now() >= notAfter.getTime()) {
      // An enforcement check leaves the resources not listed to the start as well.
      const notListed = relist && !this.ctx.input.enforce;
      return {
        ...outcome,
        ...closeWindow(this.ctx, this.work.takePending().ids, notAfter),
        ...(notListed ? { notListed } : {}),
      };
    }
    const end = event.dryRun ? this.dryRun() : await this.work.act(notAfter);
    const closed =
      end === 'windowClosed' ? closeWindow(this.ctx, this.work.takePending().ids, notAfter) : {};
    if (!event.dryRun) await this.work.verify?.();
    const problems = problemsOf(outcome);
    const pending = this.work.takePending();
    return {
      ...outcome,
      ...closed,
      ...(await handOver(this.ctx, { pending, relist, notAfter, problems })),
    };
  }

  /** Records what the run would do, and sends nothing. */
  private dryRun(): ActEnd {
    this.work.dryRun();
    return 'done';
  }

  /**
   * An enforcement check that does nothing: what a follow-up carries is left to the schedule's
   * start (skipped, with its time), and no API is called.
   */
  private leaveAlone(
    summary: Partial<RunSummary>,
    notAfter: Date | undefined,
  ): Partial<RunSummary> {
    const carried = this.kind.carried(this.ctx.event);
    if (carried && notAfter) {
      this.ctx.record.found = carried.length;
      closeWindow(this.ctx, carried, notAfter);
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
}
