/**
 * The SDK clients of the functions, with bounded calls and the retry each call needs.
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
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import type {
  AwsCredentialIdentity,
  HttpHandlerOptions,
  NodeHttpHandlerOptions,
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken,
} from '@smithy/types';
import { spokeRoleArn, spokeRoleNameFor } from '../../lib/contract/spoke-arn';
import { assumeSpokeRole } from '../../lib/sdk/spoke-session';
import type { TargetsConfig } from '../../lib/contract/schedule-input';
import { isTransientFault } from './errors';
import { accountsOfUnits } from '../hub/organizations';
import type { TargetDeps } from '../hub/targets';

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

export interface Clients {
  /** DescribeInstances and CreateTags: the SDK's adaptive retry mode. */
  readonly ec2: EC2Client;
  /** StartInstances and StopInstances: see {@link ActionRetryStrategy}. */
  readonly ec2Actions: EC2Client;
  /** The follow-up run's asynchronous Invoke: the SDK's standard retry. */
  readonly lambda: LambdaClient;
}

/** Where EC2 clients act: the function's own account and Region unless given. */
export interface Ec2Scope {
  readonly region?: string;
  readonly credentials?: AwsCredentialIdentity;
}

/** The two EC2 clients of a run, in the function's account and Region or in `scope`. */
export function makeEc2Clients(scope: Ec2Scope = {}): Pick<Clients, 'ec2' | 'ec2Actions'> {
  return {
    ec2: new EC2Client({
      ...scope,
      retryStrategy: new AdaptiveRetryStrategy(async () => 6),
      requestHandler: HTTP,
    }),
    ec2Actions: new EC2Client({
      ...scope,
      retryStrategy: new ActionRetryStrategy(4),
      requestHandler: HTTP,
    }),
  };
}

export function makeClients(): Clients {
  return { ...makeEc2Clients(), lambda: new LambdaClient({ requestHandler: HTTP }) };
}

/**
 * What a hub's runs need: the spoke role of the run's action (`<spokeRoleName>-start` or `-stop`)
 * assumed through STS (the function's Region, SDK standard retry), and the organizational units'
 * accounts through Organizations. Each call gets the invocation's deadline-bound options.
 */
export function makeTargetDeps(config: TargetsConfig): TargetDeps {
  const sts = new STSClient({ requestHandler: HTTP });
  const organizations = new OrganizationsClient({ requestHandler: HTTP });
  return {
    config,
    connect: async (target, session, call) => {
      const roleName = spokeRoleNameFor(config.spokeRoleName, session.action);
      const roleArn = spokeRoleArn(target.account, target.region, roleName);
      const credentials = await call((options) =>
        assumeSpokeRole(sts, roleArn, session.name, options),
      );
      return makeEc2Clients({ region: target.region, credentials });
    },
    accountsOf: (units, call) => accountsOfUnits(organizations, units, call),
  };
}
