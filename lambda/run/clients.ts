/**
 * How the functions' SDK clients call: bounded calls and the retry each call needs (the clients
 * themselves are made where they are used: `ec2/clients.ts`, `hub/clients.ts`, `handler.ts`).
 *
 * Every client takes region, credentials and endpoint from the SDK's standard configuration
 * (AWS_REGION, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_LAMBDA, ...): nothing is hard-coded.
 *
 * Timeouts. Each client's Node HTTP handler has a connection timeout, a request timeout (until
 * the answer's headers arrive; `throwOnRequestTimeout`, else it would only warn) and a socket idle
 * timeout (while the body is read). Each call also gets its own request timeout from the time the
 * run has left (`callOptions`) and an abort signal at the run's deadline. So a hung connection
 * becomes a `TimeoutError` that the SDK retries, and near the deadline an `AbortError` the run
 * turns into a deferral; it never eats the run.
 */
import { StandardRetryStrategy } from '@smithy/core/retry';
import type {
  HttpHandlerOptions,
  NodeHttpHandlerOptions,
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken,
} from '@smithy/types';
import { isTransientFault } from './errors';

/**
 * TCP connect to a regional endpoint takes milliseconds; 3 s means the path is broken, and a
 * retry on a fresh connection is the cure.
 */
export const CONNECTION_TIMEOUT_MS = 3_000;
/**
 * The longest a call may wait for its answer. A DescribeInstances page of 1,000 instances can
 * take EC2 several seconds; 20 s is far beyond that and far inside a 15-minute run.
 */
export const MAX_REQUEST_TIMEOUT_MS = 20_000;
/** The shortest: a short run still gives each call time for a normal answer. */
export const MIN_REQUEST_TIMEOUT_MS = 2_000;
/** A socket that goes quiet this long while an answer is read is dead. */
export const SOCKET_TIMEOUT_MS = 20_000;

/** The Node HTTP handler settings of every client: the timeouts above, timeouts thrown. */
export const HTTP: NodeHttpHandlerOptions = {
  connectionTimeout: CONNECTION_TIMEOUT_MS,
  requestTimeout: MAX_REQUEST_TIMEOUT_MS,
  throwOnRequestTimeout: true,
  socketTimeout: SOCKET_TIMEOUT_MS,
};

/** Runs one API call with the run's per-call options (timeouts, abort at the deadline). */
export type CallRunner = <T>(fn: (options: HttpHandlerOptions) => Promise<T>) => Promise<T>;

/**
 * Options for one call: its request timeout is a third of the time left (between 2 and 20 s), so
 * a hung call leaves time for the SDK's retry; the abort signal fires at the deadline.
 */
export function callOptions(timeLeftMs: number): HttpHandlerOptions {
  const left = Math.max(1, Math.floor(timeLeftMs));
  return {
    abortSignal: AbortSignal.timeout(left),
    requestTimeout: Math.min(
      left,
      Math.max(MIN_REQUEST_TIMEOUT_MS, Math.min(MAX_REQUEST_TIMEOUT_MS, Math.floor(left / 3))),
    ),
  };
}

/**
 * Retry for StartInstances/StopInstances. Only faults of EC2 or the network are retried, with the
 * SDK's standard backoff: network errors, timeouts, `InternalError`/`Unavailable`, 5xx answers
 * without an EC2 code. Everything else goes straight back to the run, which knows better:
 * throttling (its pacer is the rate control for these calls) and errors about the request's
 * instances, such as `InsufficientInstanceCapacity` (HTTP 500, which the SDK would retry) or
 * `IncorrectInstanceState`, which it isolates without sending the whole batch again. The run
 * charges its pacer for every attempt (`$metadata.attempts`).
 */
export class ActionRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  private readonly inner: StandardRetryStrategy;
  constructor(maxAttempts: number) {
    this.inner = new StandardRetryStrategy(maxAttempts);
  }
  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(scope);
  }
  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    if (errorInfo.errorType === 'THROTTLING' || !isTransientFault(errorInfo.error)) {
      return Promise.reject(errorInfo.error);
    }
    // The tokens are the ones the inner standard strategy issued.
    return this.inner.refreshRetryTokenForRetry(token as StandardRetryToken, errorInfo);
  }
  recordSuccess(token: RetryToken): void {
    this.inner.recordSuccess(token as StandardRetryToken);
  }
}
