/**
 * A loopback fake of Amazon CloudWatch's GetMetricData and GetMetricStatistics, in the wire
 * format `@aws-sdk/client-cloudwatch` speaks (awsJson1_0, `X-Amz-Target:
 * GraniteServiceVersion20100801.<Operation>`, Query-compatible errors), serving EC2's basic
 * monitoring of instances from a data source (`cloudwatch-metrics.ts`). Point
 * `AWS_ENDPOINT_URL_CLOUDWATCH` (or the client's `endpoint`) at its `url`.
 *
 * Rate limits (when enabled): CloudWatch's documented TPS per operation, as token buckets holding
 * one second's worth; a throttled call answers `Throttling` (HTTP 400, "Rate exceeded"), which
 * the SDK's standard retry strategy retries. Only Node built-ins are used.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  AwsJsonError,
  checkCredentialScope,
  parseJsonBody,
  sendJson,
  sendJsonError,
  targetOperation,
} from './aws-json';
import { getMetricData, getMetricStatistics, type Answer } from './cloudwatch-api';
import type { UtilizationSource } from './cloudwatch-metrics';
import { closeServer, startLoopbackFake } from './loopback';
import { TokenBucket, type BucketLimit } from './token-bucket';

export * from './cloudwatch-metrics';
export {
  MAX_DATAPOINTS_PER_CALL,
  MAX_METRIC_DATA_QUERIES,
  MAX_STATISTICS_DATAPOINTS,
} from './cloudwatch-api';

export type CloudWatchOperation = 'GetMetricData' | 'GetMetricStatistics';

const TARGET_PREFIX = 'GraniteServiceVersion20100801';

/**
 * CloudWatch's default TPS quotas per account and Region: GetMetricData 50 (AWS knowledge center
 * "GetMetricData or GetMetricStatistics?"), GetMetricStatistics 400 (CloudWatch service quotas).
 */
export const CLOUDWATCH_TPS: Readonly<Record<CloudWatchOperation, number>> = {
  GetMetricData: 50,
  GetMetricStatistics: 400,
};

export interface CloudWatchLimits {
  /** Multiplier applied to every bucket's refill rate. Default 1. */
  readonly timeScale?: number;
}

export interface CloudWatchEndpointOptions {
  /** Hourly utilization of each instance; default: no data for any instance. */
  readonly utilizationOf?: UtilizationSource;
  /** Artificial delay before each call is processed. Default 0 (as the EC2 fake). */
  readonly latencyMs?: number;
  /** CloudWatch's documented TPS as token buckets. Default false (no limits, as the EC2 fake). */
  readonly limits?: false | CloudWatchLimits;
  /** The service's clock (StartTime rounding and retention by age). Default `Date.now`. */
  readonly now?: () => number;
}

/** One call as the fake took it. */
export interface CloudWatchCall {
  /** From `X-Amz-Target` ('' when it names no operation of CloudWatch's). */
  readonly operation: CloudWatchOperation | string;
  /** GetMetricData: its MetricDataQueries; GetMetricStatistics: 1; 0 when not decoded. */
  readonly queries: number;
  /** Datapoints returned (0 for a failed call). */
  readonly datapoints: number;
  readonly status: number;
  /** The error's Query code, e.g. `Throttling`, `InvalidParameterValue`, `AccessDenied`. */
  readonly errorCode?: string;
  /** The Region of the request's credential scope. */
  readonly region?: string;
  /** Arrival, wall-clock ms since the endpoint started. */
  readonly at: number;
}

export class CloudWatchEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:49152`. */
  readonly url: string;
  /** Every call received, in arrival order. */
  readonly calls: CloudWatchCall[] = [];
  /** Artificial per-call delay (settable at any time). */
  latencyMs: number;
  /** The data source (settable at any time). */
  utilizationOf: UtilizationSource;
  /** When true, every call answers AccessDenied (403). */
  denyAccess = false;
  private readonly now: () => number;
  private buckets = new Map<string, TokenBucket>();
  private throttles: { remaining: number; operation?: string }[] = [];
  private readonly startedAt = performance.now();
  private closed = false;

  /** @internal use {@link startCloudWatchEndpoint}. */
  constructor(
    private readonly server: Server,
    options: CloudWatchEndpointOptions,
  ) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.latencyMs = options.latencyMs ?? 0;
    this.utilizationOf = options.utilizationOf ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.setLimits(options.limits ?? false);
  }

  /** CloudWatch's TPS buckets, refills time-scaled (false: no limits); buckets start full. */
  setLimits(limits: false | CloudWatchLimits): void {
    this.buckets.clear();
    if (limits === false) return;
    const scale = limits.timeScale ?? 1;
    for (const [op, tps] of Object.entries(CLOUDWATCH_TPS)) {
      const limit: BucketLimit = { capacity: tps, refillPerSecond: tps * scale };
      this.buckets.set(op, new TokenBucket(limit, performance.now()));
    }
  }

  /** The next `n` calls (of `operation`, if given) answer Throttling, taking no tokens. */
  throttleNext(n: number, operation?: CloudWatchOperation): void {
    if (n > 0) this.throttles.push({ remaining: n, ...(operation ? { operation } : {}) });
  }

  /** Number of calls (of `operation`, if given), including failed ones. */
  countCalls(operation?: CloudWatchOperation): number {
    return this.calls.filter((c) => operation === undefined || c.operation === operation).length;
  }

  /** Number of calls answered Throttling (of `operation`, if given). */
  throttledCount(operation?: CloudWatchOperation): number {
    return this.calls.filter(
      (c) => c.errorCode === 'Throttling' && (operation === undefined || c.operation === operation),
    ).length;
  }

  /** Forget calls and faults; refill the buckets. */
  reset(): void {
    this.calls.length = 0;
    this.throttles = [];
    this.denyAccess = false;
    for (const b of this.buckets.values()) b.giveBack(b.limit.capacity, performance.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeServer(this.server);
  }

  /** @internal */
  async process(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.closed) {
      res.destroy();
      return;
    }
    const operation = targetOperation(req, TARGET_PREFIX);
    const log = { operation, at: arrived - this.startedAt };
    let region: string | undefined;
    try {
      region = checkCredentialScope(req, 'monitoring', true);
      const answer = this.answer(operation, parseJsonBody(body));
      this.calls.push({
        ...log,
        region,
        queries: answer.queries,
        datapoints: answer.datapoints,
        status: 200,
      });
      sendJson(res, '1.0', 200, answer.payload);
    } catch (caught) {
      const e =
        caught instanceof AwsJsonError
          ? caught
          : new AwsJsonError(
              'InternalServiceFault',
              `Fake CloudWatch bug: ${String(caught)}`,
              500,
              'InternalServiceError',
            );
      const queries = countQueries(operation, body);
      this.calls.push({
        ...log,
        region,
        queries,
        datapoints: 0,
        status: e.status,
        errorCode: e.code,
      });
      sendJsonError(res, '1.0', e, true);
    }
  }

  /** Faults, then the rate limits, then the operation. */
  private answer(operation: string, body: Record<string, unknown>): Answer {
    if (this.denyAccess) {
      throw new AwsJsonError(
        'AccessDeniedException',
        `User: arn:aws:sts::123456789012:assumed-role/fake/session is not authorized to perform: cloudwatch:${operation} because no identity-based policy allows the cloudwatch:${operation} action`,
        403,
        'AccessDenied',
      );
    }
    if (operation !== 'GetMetricData' && operation !== 'GetMetricStatistics') {
      throw new AwsJsonError(
        'UnknownOperationException',
        `${operation || '(none)'} is not served by this fake CloudWatch.`,
        400,
        'InvalidAction',
      );
    }
    this.admit(operation);
    const now = this.now();
    return operation === 'GetMetricData'
      ? getMetricData(this.utilizationOf, body, now)
      : getMetricStatistics(this.utilizationOf, body, now);
  }

  private admit(operation: CloudWatchOperation): void {
    const rule = this.throttles.find((t) => t.operation === undefined || t.operation === operation);
    const bucket = this.buckets.get(operation);
    if (rule) {
      if (--rule.remaining <= 0) this.throttles = this.throttles.filter((t) => t !== rule);
    } else if (!bucket || bucket.level(performance.now()) >= 1) {
      bucket?.take(1, performance.now());
      return;
    }
    throw new AwsJsonError('ThrottlingException', 'Rate exceeded', 400, 'Throttling');
  }
}

function countQueries(operation: string, body: string): number {
  if (operation === 'GetMetricStatistics') return 1;
  try {
    const q = (JSON.parse(body) as { MetricDataQueries?: unknown }).MetricDataQueries;
    return Array.isArray(q) ? q.length : 0;
  } catch {
    return 0;
  }
}

/** Starts a loopback CloudWatch on 127.0.0.1 (random port). Call `close()` when done. */
export async function startCloudWatchEndpoint(
  options: CloudWatchEndpointOptions = {},
): Promise<CloudWatchEndpoint> {
  return startLoopbackFake((server) => new CloudWatchEndpoint(server, options));
}
