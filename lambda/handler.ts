/**
 * The Lambda shell: builds the clients once per container and runs `handle` with them.
 * AWS clients take region, credentials and endpoints from the SDK's standard configuration
 * (AWS_REGION, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_LAMBDA, ...).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import type {
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken,
} from '@smithy/types';
import type { Context } from 'aws-lambda';
import type { ScheduleAction, SchedulerEvent } from '../lib/event';
import { powertoolsMetrics } from './metrics';
import { limitsFromEnv } from './pacer';
import { handle, RunLogger, RunSummary } from './run';

/**
 * Retry for StartInstances/StopInstances: server errors and transient faults are retried with
 * the SDK's standard backoff, but throttling goes straight back to the run, which shrinks the
 * batch and waits for EC2's buckets to refill (its pacer is the rate control for these calls,
 * so the adaptive mode's client-side rate limiter, kept per container, would only add waits).
 */
class SurfaceThrottling implements RetryStrategyV2 {
  readonly mode = 'standard';
  private readonly inner: StandardRetryStrategy;
  constructor(maxAttempts: number) {
    this.inner = new StandardRetryStrategy(maxAttempts);
  }
  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(scope);
  }
  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    if (errorInfo.errorType === 'THROTTLING') return Promise.reject(errorInfo.error);
    // The tokens are the ones the inner standard strategy issued.
    return this.inner.refreshRetryTokenForRetry(token as StandardRetryToken, errorInfo);
  }
  recordSuccess(token: RetryToken): void {
    this.inner.recordSuccess(token as StandardRetryToken);
  }
}

const logger = new Logger();
// Namespace from POWERTOOLS_METRICS_NAMESPACE (set by the construct), else Ec2Scheduler.
const metrics = powertoolsMetrics(
  new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Ec2Scheduler' }),
);
const limits = limitsFromEnv(process.env.EC2_API_LIMITS);
const ec2 = new EC2Client({ retryStrategy: new AdaptiveRetryStrategy(async () => 6) });
const ec2Actions = new EC2Client({ retryStrategy: new SurfaceThrottling(4) });
const runLogger: RunLogger = {
  info: (message, attributes) => logger.info(message, attributes ?? {}),
  warn: (message, attributes) => logger.warn(message, attributes ?? {}),
  error: (message, attributes) => logger.error(message, attributes ?? {}),
};
let lambdaClient: LambdaClient | undefined;

export function makeHandler(action: ScheduleAction) {
  return async (event: unknown, context: Context): Promise<RunSummary> => {
    logger.addContext(context);
    const self = context.invokedFunctionArn || process.env.AWS_LAMBDA_FUNCTION_NAME;
    return handle(event, action, {
      ec2,
      ec2Actions,
      logger: runLogger,
      metrics,
      limits,
      remainingMs: () => context.getRemainingTimeInMillis(),
      followUp: async (next: SchedulerEvent) => {
        if (!self) throw new Error('cannot tell which function to invoke for the follow-up run');
        lambdaClient ??= new LambdaClient({});
        await lambdaClient.send(
          new InvokeCommand({
            FunctionName: self,
            InvocationType: 'Event',
            Payload: new TextEncoder().encode(JSON.stringify(next)),
          }),
          // Never outlive the invocation: a hand-over that cannot finish fails cleanly instead.
          {
            abortSignal: AbortSignal.timeout(
              Math.max(1, Math.floor(context.getRemainingTimeInMillis() - 20)),
            ),
          },
        );
      },
    });
  };
}
