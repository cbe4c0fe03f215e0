/**
 * The deduplication store's DynamoDB client. Region, credentials and endpoint come from the SDK's
 * standard configuration (`AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`, ...). Its HTTP handler has
 * the EC2 clients' settings (`HTTP`: connection timeout, `throwOnRequestTimeout`), each attempt
 * at most {@link ATTEMPT_TIMEOUT_MS}, and every call aborted at the deadline of the phase it
 * belongs to (before the run, after it), so the store never eats the run's time. Retries: the
 * SDK's standard strategy, {@link MAX_ATTEMPTS} attempts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpHandler, HttpRequest } from '@smithy/core/protocols';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, NodeHttpHandlerOptions } from '@smithy/types';
import { HTTP } from '../run/clients';

/** One DynamoDB call answers in milliseconds; this long means the path is broken. */
export const ATTEMPT_TIMEOUT_MS = 1_000;
/** Attempts per call: few; the phase's deadline bounds them all. */
export const MAX_ATTEMPTS = 3;

/** A Node HTTP handler whose every call ends by `deadline`. */
class DeadlineBoundHandler implements HttpHandler<NodeHttpHandlerOptions> {
  /** Epoch milliseconds by which the current phase's calls must have answered. */
  deadline = Number.POSITIVE_INFINITY;
  private readonly inner = new NodeHttpHandler(HTTP);

  handle(request: HttpRequest, options: HttpHandlerOptions = {}) {
    const left = Math.max(1, Math.floor(this.deadline - Date.now()));
    return this.inner.handle(request, {
      ...options,
      abortSignal: options.abortSignal ?? AbortSignal.timeout(left),
      requestTimeout: options.requestTimeout ?? Math.min(ATTEMPT_TIMEOUT_MS, left),
    });
  }

  updateHttpClientConfig(
    key: keyof NodeHttpHandlerOptions,
    value: NodeHttpHandlerOptions[typeof key],
  ): void {
    this.inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return this.inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.inner.destroy();
  }
}

/** The client, the deadline of its calls, and the PutItem attempts whose outcome is unknown. */
export class StoreClient {
  readonly dynamodb: DynamoDBClient;
  /**
   * PutItem attempts of this invocation that got no answer (timeout, abort, network) or a 5xx:
   * DynamoDB may have applied them, so a conditional failure on the retry may be our own record.
   */
  uncertainPuts = 0;
  private readonly handler = new DeadlineBoundHandler();

  constructor() {
    this.dynamodb = new DynamoDBClient({
      requestHandler: this.handler,
      retryStrategy: new StandardRetryStrategy(MAX_ATTEMPTS),
    });
    this.watchPuts();
  }

  /** A new invocation: its calls end within `ms`; no uncertain put yet. */
  begin(ms: number): void {
    this.uncertainPuts = 0;
    this.within(ms);
  }

  /** From now on, calls end within `ms`. */
  within(ms: number): void {
    this.handler.deadline = Date.now() + ms;
  }

  /** Counts uncertain PutItem attempts; inside the SDK's retry (finalizeRequest, low priority). */
  private watchPuts(): void {
    this.dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (err) {
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata
            ?.httpStatusCode;
          if (context.commandName === 'PutItemCommand' && (status === undefined || status >= 500)) {
            this.uncertainPuts++;
          }
          throw err;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'ec2SchedulerUncertainPuts' },
    );
  }
}
