/**
 * A token bucket, the rate-limit model the loopback fakes share (EC2's per-action buckets in
 * `ec2/buckets.ts`, CloudWatch's per-operation TPS in `cloudwatch-endpoint.ts`).
 */

export interface BucketLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** One bucket: `capacity` tokens at most, refilled continuously; times in ms. */
export class TokenBucket {
  private tokens: number;

  constructor(
    readonly limit: BucketLimit,
    private at: number,
    tokens = limit.capacity,
  ) {
    this.tokens = Math.min(limit.capacity, tokens);
  }

  /** The tokens at `now`. */
  level(now: number): number {
    if (now > this.at) {
      const refill = ((now - this.at) / 1000) * this.limit.refillPerSecond;
      this.tokens = Math.min(this.limit.capacity, this.tokens + refill);
      this.at = now;
    }
    return this.tokens;
  }

  take(n: number, now: number): void {
    this.tokens = this.level(now) - n;
  }

  giveBack(n: number, now: number): void {
    this.tokens = Math.min(this.limit.capacity, this.level(now) + n);
  }
}
