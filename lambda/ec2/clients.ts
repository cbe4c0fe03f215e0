/**
 * The EC2 clients of a run, with the settings of `run/clients.ts`: DescribeInstances and CreateTags
 * with the SDK's adaptive retry, StartInstances and StopInstances with `ActionRetryStrategy`.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ActionRetryStrategy, HTTP } from '../run/clients';
import type { RunDeps } from '../run/deps';

/** The two EC2 clients of a run. */
export interface Ec2Clients {
  /** DescribeInstances and CreateTags: the SDK's adaptive retry mode. */
  readonly ec2: EC2Client;
  /** StartInstances and StopInstances: see {@link ActionRetryStrategy}. */
  readonly ec2Actions: EC2Client;
}

/** A run's dependencies with the EC2 clients it acts through. */
export interface Ec2RunDeps extends RunDeps {
  /** Client for DescribeInstances and CreateTags (SDK adaptive retry). */
  readonly ec2: EC2Client;
  /**
   * Client for StartInstances/StopInstances. Its retry strategy should surface throttling and
   * errors about instances, so the run can shrink the batch or set the instance apart.
   * @default ec2
   */
  readonly ec2Actions?: EC2Client;
}

/** Where EC2 clients act: the function's own account and Region unless given. */
export interface Ec2Scope {
  readonly region?: string;
  readonly credentials?: AwsCredentialIdentity;
}

/** The two EC2 clients of a run, in the function's account and Region or in `scope`. */
export function makeEc2Clients(scope: Ec2Scope = {}): Ec2Clients {
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
