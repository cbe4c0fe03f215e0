/**
 * The EKS and Resource Groups Tagging API clients of a run, with the settings of
 * `run/clients.ts`: the SDK's adaptive retry (`ThrottlingException`, `ThrottledException` and 5xx
 * are retried with backoff). Region, credentials and endpoints come from the SDK's standard
 * configuration (`AWS_ENDPOINT_URL_EKS`, `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`).
 */
import { EKSClient } from '@aws-sdk/client-eks';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import type { AwsCredentialIdentity } from '@smithy/types';
import { HTTP } from '../run/clients';
import type { RunDeps } from '../run/deps';

/** A run's dependencies with the clients node groups are found and scaled through. */
export interface EksRunDeps extends RunDeps {
  /** DescribeNodegroup, UpdateNodegroupConfig, DescribeUpdate, TagResource. */
  readonly eks: EKSClient;
  /** GetResources: the node groups tagged with the schedule, without listing every cluster. */
  readonly tagging: ResourceGroupsTaggingAPIClient;
}

/** The two clients, in the function's account and Region or in `scope`. */
export function makeEksClients(
  scope: { readonly region?: string; readonly credentials?: AwsCredentialIdentity } = {},
): Pick<EksRunDeps, 'eks' | 'tagging'> {
  // One retry strategy per client: each keeps its own service's send rate.
  const settings = () => ({
    ...scope,
    retryStrategy: new AdaptiveRetryStrategy(async () => 6),
    requestHandler: HTTP,
  });
  return {
    eks: new EKSClient(settings()),
    tagging: new ResourceGroupsTaggingAPIClient(settings()),
  };
}
