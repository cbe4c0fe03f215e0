/**
 * The end of a run's time: handing what is left to a follow-up run, or failing it with the cause
 * when no follow-up can come (see `window.ts` for where a chain ends).
 */
import {
  MAX_CARRIED,
  MAX_FOLLOW_UPS,
  MAX_STALLED_RUNS,
  type SchedulerEvent,
} from '../../lib/contract/schedule-input';
import { addFailures } from './chain';
import type { RunContext } from './context';
import { describeError } from './errors';
import type { Pending } from './kind';
import type { RunSummary } from './summary';
import { closeWindow, windowMessage } from './window';

/** What a run leaves for later. */
export interface LeftOver {
  /** What the run's kind has not done. */
  readonly pending: Pending;
  /** The listing was cut short (here or before): a later run must list again. */
  readonly relist: boolean;
  readonly notAfter: Date;
  /** The run's whole-run faults, carried down the chain. */
  readonly problems: readonly string[];
}

/**
 * Hands what is left to a follow-up run: what was listed but not reached (carried in the input
 * when there are not too many, else listed again), and, when a listing was cut short, what was
 * not listed yet. Returns what the summary says of it.
 */
export async function handOver(ctx: RunContext, left: LeftOver): Promise<Partial<RunSummary>> {
  const { event, record, clock } = ctx;
  const { ids } = left.pending;
  if (ids.length === 0 && !left.relist) return {};
  const attempt = (event.followUp?.attempt ?? 0) + 1;
  const now = clock.now();
  // An enforcement check leaves what it did not reach to the schedule's start: nothing failed.
  if (ctx.input.enforce && now >= left.notAfter.getTime()) {
    return closeWindow(ctx, ids, left.notAfter);
  }
  if (now >= left.notAfter.getTime() || attempt > MAX_FOLLOW_UPS) {
    return noFollowUp(ctx, ids, left, 'WindowClosed', windowMessage(ctx, left.notAfter));
  }
  // Runs that reach no instance (each run's time too short for EC2's answers) end the chain.
  const stalled = record.reachedAny() ? 0 : (event.followUp?.stalled ?? 0) + 1;
  if (stalled >= MAX_STALLED_RUNS) {
    const message = `${stalled} runs in a row reached no instance: each had too little time for EC2's answers (about ${Math.round(ctx.budget.callEstimateMs)} ms a call); give the functions a longer timeout`;
    return noFollowUp(ctx, ids, left, 'Stalled', message);
  }
  const next = nextInput(ctx, left, ids, attempt, stalled, now);
  if (!ctx.deps.followUp) {
    return noFollowUp(
      ctx,
      ids,
      left,
      'NoFollowUp',
      'the deadline came and no follow-up run can be queued',
      true,
    );
  }
  try {
    await ctx.deps.followUp(next);
  } catch (err) {
    const { errorCode: code, message } = describeError(err);
    return noFollowUp(
      ctx,
      ids,
      left,
      'FollowUpFailed',
      `could not queue the follow-up run: ${code}: ${message}`,
      true,
    );
  }
  for (const instanceId of ids) {
    record.record({
      instanceId,
      outcome: 'deferred',
      reason: `handed to follow-up run ${attempt}`,
    });
  }
  return { followUp: { attempt, notAfter: left.notAfter.toISOString() } };
}

/** The follow-up run's input: the schedule's own, with the chain's state. */
function nextInput(
  ctx: RunContext,
  left: LeftOver,
  ids: readonly string[],
  attempt: number,
  stalled: number,
  now: number,
): SchedulerEvent {
  const { event, record } = ctx;
  const carry =
    ids.length > 0 && ids.length <= MAX_CARRIED
      ? { ...left.pending.carry, ...(left.relist ? { relist: true } : {}) }
      : {};
  const own = record
    .all()
    .filter((r) => r.outcome === 'failed')
    .map((r) => ({ instanceId: r.instanceId, errorCode: r.errorCode ?? 'Error' }));
  const failures = addFailures(event.followUp?.failures, own.length, own, left.problems);
  return {
    ...event,
    followUp: {
      attempt,
      notAfter: left.notAfter.toISOString(),
      buckets: ctx.pacer.snapshot(now),
      ...carry,
      ...(failures ? { failures } : {}),
      ...(stalled > 0 ? { stalled } : {}),
    },
  };
}

/**
 * No follow-up will come: what it would have taken fails with the cause, and the summary says
 * so. `handOverFailed` when queuing it failed (not when the chain simply ended).
 */
function noFollowUp(
  ctx: RunContext,
  ids: readonly string[],
  left: LeftOver,
  code: string,
  message: string,
  handOverFailed = false,
): Partial<RunSummary> {
  ctx.record.failAll(ids, code, message);
  // Instances never listed have no line of their own: the summary says so.
  ctx.deps.logger.error('work left for a follow-up run that will not come', {
    schedule: ctx.event.schedule,
    errorCode: code,
    errorMessage: message,
    instances: ids.length,
    notListed: left.relist,
  });
  return {
    ...(handOverFailed ? { handOverFailed: { errorCode: code, message } } : {}),
    ...(left.relist ? { notListed: true } : {}),
  };
}
