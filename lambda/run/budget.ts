/**
 * A run's time: how long it may keep calling EC2 before its deadline, what it keeps back for
 * verifying starts and for queuing a follow-up run, and how long a call takes (a running
 * estimate, so no call is started that cannot finish in time). It also counts the calls.
 */
import type { HttpHandlerOptions } from '@smithy/types';
import type { SchedulerEvent } from '../../lib/contract/schedule-input';
import { callOptions } from './clients';
import type { Clock } from './deps';

/** The first call's estimate, before any was measured: a cold SDK call to EC2. */
const INITIAL_CALL_ESTIMATE_MS = 250;
/** Each measured call moves the estimate this far (a moving average: one slow call is no trend). */
const CALL_ESTIMATE_WEIGHT = 0.3;
/** The estimate never drops below this, however fast calls were: EC2 answers no faster. */
const MIN_CALL_ESTIMATE_MS = 50;
/** The safety margin is this share of the run's time, within the bounds below. */
const MARGIN_SHARE = 0.1;
const MIN_MARGIN_MS = 100;
const MAX_MARGIN_MS = 5000;
/** Kept back for queuing the follow-up run: this share of the run's time, at most a second. */
const HAND_OVER_SHARE = 0.1;
const MAX_HAND_OVER_MS = 1000;
/** Starts keep this share of the run's time (at most the verification timeout) to verify. */
const VERIFY_SHARE = 0.1;

export class RunBudget {
  private readonly marginMs: number;
  private readonly handOverReserveMs: number;
  private readonly verifyReserveMs: number;
  private estimateMs = INITIAL_CALL_ESTIMATE_MS;
  private calls = 0;

  /**
   * @param remainingMs milliseconds left before the function times out
   * @param handsOver whether the run can queue a follow-up (time is kept back for it)
   * @param minVerifyMs the least time verifying starts needs (a look and its call): a start keeps
   *   time back for it only when that share holds this much; absent, none is kept
   */
  constructor(
    private readonly remainingMs: () => number,
    private readonly clock: Clock,
    event: SchedulerEvent,
    handsOver: boolean,
    minVerifyMs?: number,
  ) {
    // The margin scales with the time the run has, so a run given 4 s still works for 3.6 s.
    const budget = remainingMs();
    this.marginMs = Math.round(
      Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, budget * MARGIN_SHARE)),
    );
    this.handOverReserveMs = handsOver
      ? Math.round(Math.min(MAX_HAND_OVER_MS, budget * HAND_OVER_SHARE))
      : 0;
    // Starting comes first: a short run may leave no time to verify.
    const reserve = Math.min((event.verifyTimeoutSeconds ?? 0) * 1000, budget * VERIFY_SHARE);
    const verifies = minVerifyMs !== undefined && event.action === 'start' && !event.dryRun;
    this.verifyReserveMs = verifies && reserve >= minVerifyMs ? reserve : 0;
  }

  /** Time left for the run's calls: the margin and the hand-over's time are kept back. */
  timeLeft(): number {
    return this.remainingMs() - this.marginMs - this.handOverReserveMs;
  }

  /** Time left for starting or stopping: what verification needs is kept back as well. */
  timeToAct(): number {
    return this.timeLeft() - this.verifyReserveMs;
  }

  /** How long a call is expected to take. */
  get callEstimateMs(): number {
    return this.estimateMs;
  }

  /** Calls made so far. */
  get apiCalls(): number {
    return this.calls;
  }

  /** True when `calls` more calls fit in the time left (for acting, when `acting`). */
  fits(calls: number, acting = false): boolean {
    return calls * this.estimateMs <= (acting ? this.timeToAct() : this.timeLeft());
  }

  /**
   * Runs one API call: counts it, bounds it by the deadline (and its request timeout by the time
   * left), and updates the estimate of how long calls take.
   */
  async call<T>(fn: (options: HttpHandlerOptions) => Promise<T>): Promise<T> {
    const t0 = this.clock.now();
    this.calls++;
    try {
      return await fn(callOptions(this.timeLeft()));
    } finally {
      const took = this.clock.now() - t0;
      this.estimateMs = Math.max(
        MIN_CALL_ESTIMATE_MS,
        (1 - CALL_ESTIMATE_WEIGHT) * this.estimateMs + CALL_ESTIMATE_WEIGHT * took,
      );
    }
  }
}
