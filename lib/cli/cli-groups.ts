/**
 * The group calls of the operator commands (`status`, `coverage`): Auto Scaling groups and EKS
 * managed node groups, found as the functions find them. Groups: `DescribeAutoScalingGroups` with
 * a `tag:<key>` filter (or `tag-key`, or none), 100 a page. Node groups: the Resource Groups
 * Tagging API's `GetResources` (type `eks:nodegroup`, 50 a page, no cluster listed), then one
 * `DescribeNodegroup` each for its scaling config and tags. The clients take everything from the
 * SDK's standard configuration (`AWS_ENDPOINT_URL_AUTO_SCALING`, `AWS_ENDPOINT_URL_EKS`,
 * `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`, ...), as the EC2 client does (`cli-ec2.ts`).
 */
import {
  type AutoScalingGroup,
  AutoScalingClient,
  type Filter,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand, EKSClient, type Nodegroup } from '@aws-sdk/client-eks';
import {
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { AwsCallError } from '../common/cli-errors';
import { clientSettings, type Ec2Target } from './cli-ec2';

/** Most groups one DescribeAutoScalingGroups page holds (the API's limit on MaxRecords). */
const GROUP_PAGE = 100;
/** Node groups a GetResources page asks for (as the functions do). */
const TAGGING_PAGE = 50;
/** DescribeNodegroup calls in flight at once. */
const DESCRIBE_AT_ONCE = 5;

/** Which groups to list: those with the tag `tagKey` (= `schedule`, if given), or every one. */
export interface GroupQuery {
  readonly tagKey?: string;
  readonly schedule?: string;
}

/** The clients the group calls go through, all with one target's settings. */
export class GroupClients {
  readonly autoScaling: AutoScalingClient;
  readonly eks: EKSClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;

  constructor(target: Ec2Target, region: string) {
    const settings = { ...clientSettings(target), region };
    this.autoScaling = new AutoScalingClient(settings);
    this.eks = new EKSClient(settings);
    this.tagging = new ResourceGroupsTaggingAPIClient(settings);
  }

  destroy(): void {
    this.autoScaling.destroy();
    this.eks.destroy();
    this.tagging.destroy();
  }
}

/**
 * Runs `fn` with the group clients for `target` in `region`; they are closed after.
 * @throws whatever `fn` throws
 */
export async function withGroups<T>(
  target: Ec2Target,
  region: string,
  fn: (clients: GroupClients) => Promise<T>,
): Promise<T> {
  const clients = new GroupClients(target, region);
  try {
    return await fn(clients);
  } finally {
    clients.destroy();
  }
}

function groupFilters(query: GroupQuery): Filter[] {
  if (query.tagKey === undefined) return [];
  return query.schedule === undefined
    ? [{ Name: 'tag-key', Values: [query.tagKey] }]
    : [{ Name: `tag:${query.tagKey}`, Values: [query.schedule] }];
}

/**
 * The Auto Scaling groups the query names, in pages of 100, without their instances.
 * @throws AwsCallError when a call fails (after the SDK's retries)
 */
export async function listGroups(
  autoScaling: AutoScalingClient,
  query: GroupQuery,
): Promise<AutoScalingGroup[]> {
  const out: AutoScalingGroup[] = [];
  const filters = groupFilters(query);
  try {
    const pages = paginateDescribeAutoScalingGroups(
      { client: autoScaling, pageSize: GROUP_PAGE },
      { IncludeInstances: false, ...(filters.length > 0 ? { Filters: filters } : {}) },
    );
    for await (const page of pages) out.push(...(page.AutoScalingGroups ?? []));
  } catch (err) {
    throw AwsCallError.of('DescribeAutoScalingGroups', err);
  }
  return out;
}

/** The cluster and name a node-group ARN holds (`arn:<p>:eks:<r>:<a>:nodegroup/<c>/<n>/<uuid>`). */
function nodegroupOf(arn: string) {
  const m = /^arn:[^:]+:eks:[^:]*:\d*:nodegroup\/([^/]+)\/([^/]+)\/[^/]+$/.exec(arn);
  return m ? { clusterName: m[1], nodegroupName: m[2] } : undefined;
}

/**
 * The EKS managed node groups tagged `tagKey` (= `schedule`, if given), as EKS describes them now.
 * @throws AwsCallError when a call fails (after the SDK's retries)
 */
export async function listNodegroups(
  clients: GroupClients,
  query: { readonly tagKey: string; readonly schedule?: string },
): Promise<Nodegroup[]> {
  const refs: { clusterName: string; nodegroupName: string }[] = [];
  try {
    const pages = paginateGetResources(
      { client: clients.tagging, pageSize: TAGGING_PAGE },
      {
        TagFilters: [
          {
            Key: query.tagKey,
            ...(query.schedule !== undefined ? { Values: [query.schedule] } : {}),
          },
        ],
        ResourceTypeFilters: ['eks:nodegroup'],
      },
    );
    for await (const page of pages) {
      for (const m of page.ResourceTagMappingList ?? []) {
        const ref = nodegroupOf(m.ResourceARN ?? '');
        if (ref) refs.push(ref);
      }
    }
  } catch (err) {
    throw AwsCallError.of('GetResources', err);
  }
  const out: Nodegroup[] = [];
  for (let k = 0; k < refs.length; k += DESCRIBE_AT_ONCE) {
    const described = await Promise.all(
      refs.slice(k, k + DESCRIBE_AT_ONCE).map((ref) => describeNodegroup(clients.eks, ref)),
    );
    out.push(...described.filter((ng): ng is Nodegroup => ng !== undefined));
  }
  return out;
}

/** The node group, or undefined when it is gone since GetResources listed it. */
async function describeNodegroup(
  eks: EKSClient,
  ref: { clusterName: string; nodegroupName: string },
): Promise<Nodegroup | undefined> {
  try {
    return (await eks.send(new DescribeNodegroupCommand(ref))).nodegroup;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw AwsCallError.of(`DescribeNodegroup of ${ref.clusterName}/${ref.nodegroupName}`, err);
  }
}
