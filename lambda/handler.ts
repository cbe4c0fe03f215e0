/**
 * The Lambda shell: builds the clients once per container and runs `handle` with them and with
 * the deployment (tag key and schedule names) the construct put in the environment, once per
 * event when the construct gave the functions a deduplication table (`deduplication.ts`).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import {
  DEPLOYMENT_ENV,
  type ScheduleAction,
  type SchedulerEvent,
  type TargetsConfig,
} from '../lib/contract/schedule-input';
import { makeAutoScalingClient } from './auto-scaling/clients';
import { makeEc2Clients } from './ec2/clients';
import { makeEksClients } from './eks/clients';
import { makeTargetDeps } from './hub/clients';
import { callOptions, HTTP } from './run/clients';
import {
  deduplicationFromEnv,
  type DeliveryMetrics,
  type DuplicateDelivery,
} from './deduplication/deduplication';
import { handleHub } from './hub/hub';
import { TARGET_CONCURRENCY, type TargetDeps, type TargetsSummary } from './hub/targets';
import { deploymentFromEnv } from '../lib/contract/schedule-input-parser';
import { powertoolsMetrics } from './run/metrics';
import { limitsFromEnv } from './run/pacer';
import { handle, type HandleDeps } from './handle';
import { parseInput, type RunLogger, type RunSummary } from './run/run';

const logger = new Logger();
// Namespace from POWERTOOLS_METRICS_NAMESPACE (set by the construct), else Ec2Scheduler.
const powertools = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Ec2Scheduler',
});
const metrics = powertoolsMetrics(powertools);
const limits = limitsFromEnv(process.env.EC2_API_LIMITS);
// EC2's, and Lambda's for the follow-up run's asynchronous Invoke (the SDK's standard retry).
const clients = {
  ...makeEc2Clients(),
  autoScaling: makeAutoScalingClient(),
  ...makeEksClients(),
  lambda: new LambdaClient({ requestHandler: HTTP }),
};
const runLogger: RunLogger = {
  info: (message, attributes) => logger.info(message, attributes ?? {}),
  warn: (message, attributes) => logger.warn(message, attributes ?? {}),
  error: (message, attributes) => logger.error(message, attributes ?? {}),
};
const deliveryMetrics: DeliveryMetrics = {
  count(name, event) {
    const metric = powertools.singleMetric();
    metric.clearDefaultDimensions();
    metric.addDimension('Schedule', event.schedule);
    metric.addDimension('Action', event.action);
    metric.addMetric(name, MetricUnit.Count, 1);
  },
};
const deduplication = deduplicationFromEnv(process.env, {
  logger: runLogger,
  metrics: deliveryMetrics,
});

export function makeHandler(action: ScheduleAction) {
  return async (
    event: unknown,
    context: Context,
  ): Promise<RunSummary | TargetsSummary | DuplicateDelivery> => {
    logger.addContext(context);
    const self = context.invokedFunctionArn || process.env.AWS_LAMBDA_FUNCTION_NAME;
    // Read per invocation: a function deployed without them rejects every event, clearly.
    const deployment = deploymentFromEnv(process.env, DEPLOYMENT_ENV);
    const deps: HandleDeps = {
      ec2: clients.ec2,
      ec2Actions: clients.ec2Actions,
      autoScaling: clients.autoScaling,
      eks: clients.eks,
      tagging: clients.tagging,
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
    const run = () =>
      deployment.targets
        ? handleHub(event, action, deps, targetDeps(deployment.targets))
        : handle(event, action, deps);
    if (!deduplication) return run();
    // A malformed event is refused here, before any call (the store's included).
    return deduplication.once(parseInput(event, action, deps).event, context, run);
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
