/**
 * The Lambda shell: builds the clients once per container and runs `handle` with them and with
 * the deployment (tag key and schedule names) the construct put in the environment.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import {
  DEPLOYMENT_ENV,
  type ScheduleAction,
  type SchedulerEvent,
  type TargetsConfig,
} from '../lib/schedule-input';
import { callOptions, makeClients, makeTargetDeps } from './clients';
import { handleHub } from './hub';
import { TARGET_CONCURRENCY, type TargetDeps, type TargetsSummary } from './targets';
import { deploymentFromEnv } from '../lib/schedule-input-parser';
import { powertoolsMetrics } from './metrics';
import { limitsFromEnv } from './pacer';
import { handle, RunDeps, RunLogger, RunSummary } from './run';

const logger = new Logger();
// Namespace from POWERTOOLS_METRICS_NAMESPACE (set by the construct), else Ec2Scheduler.
const metrics = powertoolsMetrics(
  new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Ec2Scheduler' }),
);
const limits = limitsFromEnv(process.env.EC2_API_LIMITS);
const clients = makeClients();
const runLogger: RunLogger = {
  info: (message, attributes) => logger.info(message, attributes ?? {}),
  warn: (message, attributes) => logger.warn(message, attributes ?? {}),
  error: (message, attributes) => logger.error(message, attributes ?? {}),
};

export function makeHandler(action: ScheduleAction) {
  return async (event: unknown, context: Context): Promise<RunSummary | TargetsSummary> => {
    logger.addContext(context);
    const self = context.invokedFunctionArn || process.env.AWS_LAMBDA_FUNCTION_NAME;
    // Read per invocation: a function deployed without them rejects every event, clearly.
    const deployment = deploymentFromEnv(process.env, DEPLOYMENT_ENV);
    const deps: RunDeps = {
      ec2: clients.ec2,
      ec2Actions: clients.ec2Actions,
      logger: runLogger,
      metrics,
      limits,
      deployment,
      remainingMs: () => context.getRemainingTimeInMillis(),
      followUp: async (next: SchedulerEvent) => {
        if (!self) throw new Error('cannot tell which function to invoke for the follow-up run');
        await clients.lambda.send(
          new InvokeCommand({
            FunctionName: self,
            InvocationType: 'Event',
            Payload: new TextEncoder().encode(JSON.stringify(next)),
          }),
          // Never outlive the invocation: a hand-over that cannot finish fails cleanly instead.
          callOptions(context.getRemainingTimeInMillis() - 20),
        );
      },
    };
    return deployment.targets
      ? handleHub(event, action, deps, targetDeps(deployment.targets))
      : handle(event, action, deps);
  };
}

let hub: { readonly key: string; readonly deps: TargetDeps } | undefined;

/** The hub's STS and Organizations clients, made once per container. */
function targetDeps(config: TargetsConfig): TargetDeps {
  const key = JSON.stringify(config);
  if (hub?.key !== key) {
    hub = { key, deps: { ...makeTargetDeps(config), concurrency: concurrencyFromEnv() } };
  }
  return hub.deps;
}

/** EC2_SCHEDULER_TARGET_CONCURRENCY: targets run at once (1-50; default 10). */
function concurrencyFromEnv(): number | undefined {
  const value = process.env.EC2_SCHEDULER_TARGET_CONCURRENCY;
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50) {
    throw new Error(
      `EC2_SCHEDULER_TARGET_CONCURRENCY "${value}" is not a whole number from 1 to 50; leave it unset for ${TARGET_CONCURRENCY}`,
    );
  }
  return n;
}
