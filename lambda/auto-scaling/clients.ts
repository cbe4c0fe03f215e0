/**
 * The Auto Scaling client of a run, with the settings of `run/clients.ts`: the SDK's adaptive
 * retry (throttling and `ResourceContention`, a 500, are retried with backoff).
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import type { AwsCredentialIdentity } from '@smithy/types';
import { HTTP } from '../run/clients';
import type { RunDeps } from '../run/deps';

/** A run's dependencies with the Auto Scaling client it acts through. */
export interface AutoScalingRunDeps extends RunDeps {
  /** DescribeAutoScalingGroups, UpdateAutoScalingGroup, CreateOrUpdateTags, DescribeScalingActivities. */
  readonly autoScaling: AutoScalingClient;
}

/** The Auto Scaling client, in the function's account and Region or in `scope`. */
export function makeAutoScalingClient(
  scope: { readonly region?: string; readonly credentials?: AwsCredentialIdentity } = {},
): AutoScalingClient {
  return new AutoScalingClient({
    ...scope,
    retryStrategy: new AdaptiveRetryStrategy(async () => 6),
    requestHandler: HTTP,
  });
}
