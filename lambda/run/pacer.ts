/**
 * Client-side model of EC2's API token buckets, so a run sends no more than EC2 will accept.
 *
 * EC2 throttles per account and Region with two buckets per mutating call: one for requests and
 * one for the instances they name. The pacer assumes both are full when a run starts (or takes
 * the estimate a previous run handed over), spends tokens for each call it makes, and drains its estimate
 * whenever EC2 answers RequestLimitExceeded, since something else in the account is using the
 * same buckets. Batches shrink on throttling and grow back on success.
 */
import type { BucketSnapshot, ScheduleAction } from '../../lib/contract/schedule-input';

export interface BucketLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface ActionLimits {
  readonly request: BucketLimit;
  readonly resource: BucketLimit;
}

export type Ec2Limits = Readonly<Record<ScheduleAction, ActionLimits>>;

/** EC2's documented defaults (accounts can ask for higher ones). */
export const EC2_DEFAULT_LIMITS: Ec2Limits = {
  start: {
    request: { capacity: 5, refillPerSecond: 2 },
    resource: { capacity: 1000, refillPerSecond: 2 },
  },
  stop: {
    request: { capacity: 50, refillPerSecond: 5 },
    resource: { capacity: 1000, refillPerSecond: 20 },
  },
};

/** Most instance ids EC2 takes in one StartInstances/StopInstances call. */
export const MAX_BATCH = 1000;

/**
 * Reads limits from `EC2_API_LIMITS` (JSON like `{"start":{"request":[5,2],"resource":[1000,2]}}`),
 * for accounts whose EC2 limits were raised. Unset actions keep the defaults.
 */
export function limitsFromEnv(value: string | undefined): Ec2Limits {
  if (value === undefined || value.trim() === '') return EC2_DEFAULT_LIMITS;
  const fail = (why: string): never => {
    throw new Error(
      `EC2_API_LIMITS ${JSON.stringify(value)} ${why}; expected JSON like {"start":{"request":[5,2],"resource":[1000,2]},"stop":{"request":[50,5],"resource":[1000,20]}} (capacity, refill per second)`,
    );
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return fail('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) return fail('is not an object');
  const input = parsed as Record<string, Record<string, unknown> | undefined>;
  const bucket = (action: ScheduleAction, kind: 'request' | 'resource'): BucketLimit => {
    const pair = input[action]?.[kind];
    if (pair === undefined) return EC2_DEFAULT_LIMITS[action][kind];
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !pair.every((n) => typeof n === 'number' && Number.isFinite(n) && n > 0)
    ) {
      return fail(`has ${action}.${kind} ${JSON.stringify(pair)}, which is not [capacity, refill]`);
    }
    return { capacity: pair[0], refillPerSecond: pair[1] };
  };
  return {
    start: { request: bucket('start', 'request'), resource: bucket('start', 'resource') },
    stop: { request: bucket('stop', 'request'), resource: bucket('stop', 'resource') },
  };
}

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly limit: BucketLimit,
    now: number,
    tokens?: number,
  ) {
    this.tokens = Math.min(limit.capacity, tokens ?? limit.capacity);
    this.at = now;
  }

  level(now: number): number {
    if (now > this.at) {
      this.tokens = Math.min(
        this.limit.capacity,
        this.tokens + ((now - this.at) / 1000) * this.limit.refillPerSecond,
      );
      this.at = now;
    }
    return this.tokens;
  }

  /** Milliseconds until the bucket holds `n` tokens (n is capped at capacity). */
  waitFor(n: number, now: number): number {
    const missing = Math.min(n, this.limit.capacity) - this.level(now);
    return missing <= 0 ? 0 : Math.ceil((missing / this.limit.refillPerSecond) * 1000);
  }

  take(n: number, now: number): void {
    this.tokens = this.level(now) - n;
  }

  /** Tokens taken that were not spent after all. */
  giveBack(n: number, now: number): void {
    this.tokens = Math.min(this.limit.capacity, this.level(now) + n);
  }

  /** EC2 says the bucket is empty. */
  empty(now: number): void {
    this.level(now);
    this.tokens = 0;
  }
}

export interface PacedBatch {
  /** How many ids to send now. */
  readonly size: number;
  /** How long to wait before sending. */
  readonly waitMs: number;
  /**
   * The batch counts on tokens that failed calls were charged in the model but EC2 may not have
   * taken: its answer tells which (pass it back to succeeded, failed or throttled).
   */
  readonly probe?: boolean;
}

export class Pacer {
  private readonly request: Bucket;
  private readonly resource: Bucket;
  private cap = MAX_BATCH;
  /** Smallest batch worth waiting for: about five seconds of refill. */
  private readonly chunk: number;
  /**
   * Instance tokens charged for failed calls that EC2 may not have taken. Whether EC2 charges a
   * failed call is not documented: the model assumes it does, and the first batch short of
   * tokens counts on them once to find out (at most one throttled call).
   */
  private unconfirmed = 0;
  /** Whether EC2 takes instance tokens for failed calls, once a probe has told. */
  private failedCallsCharged: boolean | undefined;

  constructor(
    private readonly limits: ActionLimits,
    now: number,
    snapshot?: BucketSnapshot,
  ) {
    const carried = (limit: BucketLimit, tokens: number | undefined) =>
      snapshot === undefined || tokens === undefined
        ? undefined
        : tokens + (Math.max(0, now - snapshot.at) / 1000) * limit.refillPerSecond;
    this.request = new Bucket(limits.request, now, carried(limits.request, snapshot?.request));
    this.resource = new Bucket(limits.resource, now, carried(limits.resource, snapshot?.resource));
    this.chunk = Math.max(1, Math.ceil(limits.resource.refillPerSecond * 5));
  }

  /** Current batch ceiling: MAX_BATCH, halved by each throttle, doubled back by each success. */
  get batchCap(): number {
    return this.cap;
  }

  /** What a call costs in instance tokens: the instance bucket's refill over the request bucket's. */
  get callPriceInIds(): number {
    return this.limits.resource.refillPerSecond / this.limits.request.refillPerSecond;
  }

  /**
   * What a failed call of `want` ids would cost the run, as far as the pacer knows: `free` when a
   * probe found that EC2 keeps no tokens of failed calls, when the bucket holds them besides the
   * `needed` tokens the run still needs (nothing to wait for), or when this call would be the
   * probe (a charging EC2 refuses it before taking any); `charged` otherwise.
   */
  failedCallCost(want: number, now: number, needed = 0): 'free' | 'charged' {
    if (this.failedCallsCharged === false) return 'free';
    if (this.resource.level(now) >= want + needed) return 'free';
    if (this.failedCallsCharged === true) return 'charged';
    return this.nextBatch(want, now).probe ? 'free' : 'charged';
  }

  /**
   * How many of `want` ids to send, and when. The pacer waits for a worthwhile batch (`least`
   * ids; by default about five seconds of refill) rather than sending one id at a time; when that
   * wait would not fit in `maxWaitMs`, it sends what the bucket holds now instead. A part of a
   * failed batch passes its own size as `least`: it goes out whole.
   */
  nextBatch(
    want: number,
    now: number,
    maxWaitMs = Number.POSITIVE_INFINITY,
    least = this.chunk,
  ): PacedBatch {
    const limit = Math.min(want, this.cap, MAX_BATCH, Math.floor(this.limits.resource.capacity));
    const available = Math.floor(this.resource.level(now));
    const requestWait = this.request.waitFor(1, now);
    if (available >= limit) return { size: limit, waitMs: requestWait };
    const probe = Math.min(limit, available + Math.floor(this.unconfirmed));
    if (probe > available) return { size: probe, waitMs: requestWait, probe: true };
    const size = Math.min(limit, Math.max(available, least));
    const waitMs = Math.max(this.resource.waitFor(size, now), requestWait);
    if (waitMs > maxWaitMs) {
      // Not worth the wait in the time left: send what the bucket will hold by then.
      const reachable = Math.floor(
        this.resource.level(now) + (maxWaitMs / 1000) * this.limits.resource.refillPerSecond,
      );
      const fits = Math.min(limit, reachable);
      if (fits >= 1) {
        return { size: fits, waitMs: Math.max(this.resource.waitFor(fits, now), requestWait) };
      }
    }
    return { size, waitMs };
  }

  /**
   * A call succeeded: its tokens are taken as of when the answer came back. EC2 took them some
   * time during the call; counting from the end keeps the estimate on the safe side, whatever
   * the latency.
   */
  succeeded(size: number, now: number, attempts = 1, probe = false): void {
    if (probe) this.learn(false, now);
    this.charge(size, now, attempts);
    this.cap = Math.min(MAX_BATCH, this.cap * 2);
  }

  /**
   * A call failed for a reason other than throttling. EC2 acted on none of its ids, but does not
   * document whether a failed call still spends tokens, so it is charged as if it did (a request
   * token and the ids' resource tokens for each attempt the SDK made) until a probe says
   * otherwise. A probe that EC2 admitted (it failed for another reason) says it does not.
   */
  failed(size: number, now: number, attempts = 1, probe = false): void {
    if (probe) this.learn(false, now);
    this.request.take(attempts, now);
    if (this.failedCallsCharged === false) return;
    this.resource.take(size * attempts, now);
    if (this.failedCallsCharged === undefined) this.unconfirmed += size * attempts;
  }

  private charge(size: number, now: number, attempts: number): void {
    this.request.take(attempts, now);
    this.resource.take(size * attempts, now);
  }

  /** A probe's answer: whether EC2 took the tokens of failed calls. */
  private learn(charged: boolean, now: number): void {
    this.failedCallsCharged = charged;
    if (!charged) this.resource.giveBack(this.unconfirmed, now);
    this.unconfirmed = 0;
  }

  /** EC2 said RequestLimitExceeded: the buckets are emptier than the model thought. */
  throttled(size: number, now: number, probe = false): void {
    if (probe) this.learn(true, now);
    this.request.empty(now);
    this.resource.empty(now);
    this.cap = Math.max(1, Math.floor(size / 2));
  }

  snapshot(now: number): BucketSnapshot {
    return {
      request: Math.floor(this.request.level(now)),
      resource: Math.floor(this.resource.level(now)),
      at: now,
    };
  }
}
