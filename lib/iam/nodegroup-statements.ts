/**
 * The IAM statements that let a function's role act on scheduled EKS managed node groups: find
 * them (`tag:GetResources`, on `*`: the Tagging API supports no resource-level permissions), read
 * them and follow their updates (`eks:DescribeNodegroup`, `eks:DescribeUpdate`, read-only, on the
 * account's node groups and clusters: DescribeUpdate is authorized on the cluster, which carries
 * no schedule tag), and scale them and write the size and audit tags only on node groups carrying
 * one of the schedules' tags.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ScheduleAction } from '../contract/schedule-input';
import { groupTagKeys } from './group-statements';
import type { ScheduledInstances } from './instance-statements';

/** `tag:GetResources` on `*`: how a run finds the node groups tagged with its schedule. */
export function findNodegroupsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'FindTaggedResources',
    actions: ['tag:GetResources'],
    resources: ['*'],
  });
}

/** `eks:DescribeNodegroup` and `eks:DescribeUpdate`, read-only, on node groups and clusters. */
export function readNodegroupsStatement(groups: ScheduledInstances): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadNodegroupsAndUpdates',
    actions: ['eks:DescribeNodegroup', 'eks:DescribeUpdate'],
    resources: [...eksArns(groups, 'nodegroup'), ...eksArns(groups, 'cluster')],
  });
}

/**
 * `eks:UpdateNodegroupConfig` and `eks:TagResource` on node groups whose `aws:ResourceTag/<tagKey>`
 * names a schedule; `ForAllValues:StringEquals aws:TagKeys` limits the tags written to the size
 * key (stop) and the audit key (with auditTags), so the role cannot change which schedule a node
 * group follows. A start without audit tags writes no tag: it gets the update alone.
 */
export function scaleNodegroupsStatement(
  action: ScheduleAction,
  groups: ScheduledInstances,
): iam.PolicyStatement {
  const keys = groupTagKeys(action, groups);
  return new iam.PolicyStatement({
    sid: action === 'start' ? 'StartScheduledNodegroups' : 'StopScheduledNodegroups',
    actions:
      keys.length > 0
        ? ['eks:UpdateNodegroupConfig', 'eks:TagResource']
        : ['eks:UpdateNodegroupConfig'],
    resources: eksArns(groups, 'nodegroup'),
    conditions: {
      StringEquals: { [`aws:ResourceTag/${groups.tagKey}`]: groups.scheduleNames },
      ...(keys.length > 0 ? { 'ForAllValues:StringEquals': { 'aws:TagKeys': keys } } : {}),
    },
  });
}

/** `arn:<partition>:eks:<region>:<account>:<resource>/*` in each of the groups' Regions. */
function eksArns(groups: ScheduledInstances, resource: 'nodegroup' | 'cluster'): string[] {
  const stack = Stack.of(groups.scope);
  return (groups.regions ?? [undefined]).map((region) =>
    stack.formatArn({
      service: 'eks',
      region,
      resource,
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
  );
}
