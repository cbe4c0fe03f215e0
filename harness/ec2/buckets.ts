/**
 * EC2's API rate limits, as the fake enforces them and the benchmark computes its floors from:
 * per account and action, a bucket of requests and, for StartInstances and StopInstances, a
 * bucket of the instances they name. A call is admitted when both hold enough tokens
 * ({@link RateLimiter}).
 *
 * This is the fake's own model of EC2, on purpose not the handler's client-side estimate
 * (`lambda/run/pacer.ts`): the tests check that estimate against it.
 */
import type { Ec2Action } from './api';
import { TokenBucket, type BucketLimit } from '../token-bucket';
import { throttled } from './errors';

export { TokenBucket, type BucketLimit };

export interface ActionBuckets {
  readonly request: BucketLimit;
  /** Instance tokens: StartInstances and StopInstances only. */
  readonly resource?: BucketLimit;
}

const bucket = (capacity: number, refillPerSecond: number): BucketLimit => ({
  capacity,
  refillPerSecond,
});

/** EC2's documented defaults (accounts can ask for higher ones). */
export const EC2_BUCKETS: Readonly<Record<Ec2Action, ActionBuckets>> = {
  StartInstances: { request: bucket(5, 2), resource: bucket(1000, 2) },
  StopInstances: { request: bucket(50, 5), resource: bucket(1000, 20) },
  DescribeInstances: { request: bucket(100, 20) },
  CreateTags: { request: bucket(100, 10) },
  // Not listed by EC2; taken to be CreateTags' bucket.
  DeleteTags: { request: bucket(100, 10) },
};

/** The EC2 call of each scheduler action. */
export const SCHEDULE_ACTIONS = { start: 'StartInstances', stop: 'StopInstances' } as const;

/** Limits by scheduler action, in the shape the handler's `Ec2Limits` has. */
export type ScheduleLimits = Readonly<
  Record<keyof typeof SCHEDULE_ACTIONS, Required<ActionBuckets>>
>;

/** EC2's documented start and stop buckets, by scheduler action. */
export const EC2_SCHEDULE_BUCKETS: ScheduleLimits = {
  start: EC2_BUCKETS.StartInstances as Required<ActionBuckets>,
  stop: EC2_BUCKETS.StopInstances as Required<ActionBuckets>,
};

/** What the model enforces: buckets per action (refill per second of the model's clock). */
export interface RateLimits {
  readonly buckets: Readonly<Partial<Record<Ec2Action, ActionBuckets>>>;
  /** Instance tokens a resource bucket starts with, where it does not start full. */
  readonly levels?: Readonly<Partial<Record<Ec2Action, number>>>;
}

/** EC2's documented buckets with every refill `scale` times faster (the endpoint's time scale). */
export function scaledLimits(scale: number): RateLimits {
  const faster = (b: BucketLimit): BucketLimit => ({
    capacity: b.capacity,
    refillPerSecond: b.refillPerSecond * scale,
  });
  const buckets: Partial<Record<Ec2Action, ActionBuckets>> = {};
  for (const [action, { request, resource }] of Object.entries(EC2_BUCKETS)) {
    buckets[action as Ec2Action] = {
      request: faster(request),
      ...(resource ? { resource: faster(resource) } : {}),
    };
  }
  return { buckets };
}

/** The model's limits for a handler-shaped `ScheduleLimits` (start and stop buckets only). */
export function scheduleRateLimits(
  limits: ScheduleLimits,
  levels: { start?: number; stop?: number } = {},
): RateLimits {
  return {
    buckets: { StartInstances: limits.start, StopInstances: limits.stop },
    levels: { StartInstances: levels.start, StopInstances: levels.stop },
  };
}

/**
 * `EC2_API_LIMITS` for the handler ([capacity, refill per second]): EC2's documented start and
 * stop buckets with the refill rates multiplied by `scale` (the endpoint's time scale) and `share`.
 */
export function ec2ApiLimits(scale: number, share = 1): string {
  const pair = (b: BucketLimit) => [b.capacity, b.refillPerSecond * scale * share];
  const { start, stop } = EC2_SCHEDULE_BUCKETS;
  return JSON.stringify({
    start: { request: pair(start.request), resource: pair(start.resource) },
    stop: { request: pair(stop.request), resource: pair(stop.resource) },
  });
}

/** `EC2_API_LIMITS` of an account with raised limits (the endpoint enforces none then). */
export const RAISED_EC2_API_LIMITS = JSON.stringify({
  start: { request: [1e6, 1e6], resource: [1e6, 1e6] },
  stop: { request: [1e6, 1e6], resource: [1e6, 1e6] },
});

/**
 * Admission of calls: throttleNext rules first (they take no tokens), then each action's buckets
 * (`limits` per second of the caller's clock; times in ms).
 */
export class RateLimiter {
  private limits: RateLimits | false = false;
  private buckets = new Map<Ec2Action, { request: TokenBucket; resource?: TokenBucket }>();
  private throttles: { remaining: number; action?: string }[] = [];

  /** Replace the limits (false: none); buckets start full, or at `limits.levels`. */
  set(limits: RateLimits | false, now: number): void {
    this.limits = limits;
    this.refill(now, limits === false ? undefined : limits.levels);
  }

  /** Refill every bucket to capacity (or the resource buckets to `levels`). */
  refill(now: number, levels: RateLimits['levels'] = {}): void {
    this.buckets.clear();
    if (this.limits === false) return;
    for (const [action, { request, resource }] of Object.entries(this.limits.buckets)) {
      const level = levels[action as Ec2Action];
      this.buckets.set(action as Ec2Action, {
        request: new TokenBucket(request, now),
        ...(resource ? { resource: new TokenBucket(resource, now, level) } : {}),
      });
    }
  }

  /** The next `n` calls (only of `action`, if given) are throttled. */
  throttleNext(n: number, action?: string): void {
    if (n > 0)
      this.throttles.push(action === undefined ? { remaining: n } : { remaining: n, action });
  }

  clearThrottles(): void {
    this.throttles = [];
  }

  tokens(action: Ec2Action, now: number): { request: number; resource?: number } | undefined {
    const b = this.buckets.get(action);
    if (!b) return undefined;
    const request = b.request.level(now);
    return b.resource ? { request, resource: b.resource.level(now) } : { request };
  }

  /**
   * Admits a call naming `cost` instances, or throws RequestLimitExceeded. Returns what gives
   * its tokens back (for a call that failed, when failed calls are not charged).
   */
  admit(action: Ec2Action, cost: number, now: number): (at: number) => void {
    const rule = this.throttles.find((t) => t.action === undefined || t.action === action);
    if (rule) {
      rule.remaining--;
      if (rule.remaining <= 0) this.throttles = this.throttles.filter((t) => t !== rule);
      throw throttled();
    }
    const b = this.buckets.get(action);
    if (!b) return () => undefined;
    if (b.request.level(now) < 1 || (b.resource && b.resource.level(now) < cost)) throw throttled();
    b.request.take(1, now);
    b.resource?.take(cost, now);
    return (at) => {
      b.request.giveBack(1, at);
      b.resource?.giveBack(cost, at);
    };
  }
}
