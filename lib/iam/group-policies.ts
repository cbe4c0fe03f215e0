/**
 * The Auto Scaling group and EKS node-group statements of a role, each set in a customer managed
 * policy of its own attached to it: they hold the schedule names a second time (under
 * `autoscaling:ResourceTag` and `aws:ResourceTag`), and IAM's 10,240 characters for a role's inline
 * policies would then take half as many names. A managed policy has 6,144 of its own; the 4 KB of
 * the functions' environment bounds the names first. Used for the functions' roles and for the
 * spoke roles a hub's functions assume.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ScheduleAction } from '../contract/schedule-input';
import { findGroupsStatement, scaleGroupsStatement } from './group-statements';
import type { ScheduledInstances } from './instance-statements';
import { acknowledgeWildcardResources } from './nag-findings';
import {
  findNodegroupsStatement,
  readNodegroupsStatement,
  scaleNodegroupsStatement,
} from './nodegroup-statements';

/** The role the policies are attached to, and how their descriptions and reasons name it. */
export interface GroupGrantee {
  readonly role: iam.IRole;
  /** Who acts through the role, e.g. `the start function` or `the hub's start function`. */
  readonly description: string;
  /** Whose schedule names the conditions list, e.g. `this scheduler's` or `the hub's`. */
  readonly names: string;
}

const title = (action: ScheduleAction) => (action === 'start' ? 'Start' : 'Stop');

/** Attaches `<Start|Stop>GroupsPolicy` to the grantee's role, its wildcards acknowledged with reasons. */
export function grantGroups(
  scope: Construct,
  grantee: GroupGrantee,
  action: ScheduleAction,
  groups: ScheduledInstances,
): iam.ManagedPolicy {
  const scale = scaleGroupsStatement(action, groups);
  const policy = new iam.ManagedPolicy(scope, `${title(action)}GroupsPolicy`, {
    description: `Lets ${grantee.description} find and scale the Auto Scaling groups that carry the ${groups.tagKey} tag of one of its schedules`,
    statements: [findGroupsStatement(), scale],
    roles: [grantee.role],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'autoscaling:DescribeAutoScalingGroups and autoscaling:DescribeScalingActivities support no resource-level permissions; they can only be granted on *.',
  });
  acknowledgeWildcardResources(
    policy,
    scale,
    `autoscaling:UpdateAutoScalingGroup (and autoscaling:CreateOrUpdateTags, for the size and audit tag keys only) is on autoScalingGroup:*:autoScalingGroupName/* only under the condition autoscaling:ResourceTag/${groups.tagKey} equals one of ${grantee.names} schedule names.`,
  );
  return policy;
}

/** Attaches `<Start|Stop>NodegroupsPolicy` to the grantee's role, its wildcards acknowledged with reasons. */
export function grantNodegroups(
  scope: Construct,
  grantee: GroupGrantee,
  action: ScheduleAction,
  groups: ScheduledInstances,
): iam.ManagedPolicy {
  const read = readNodegroupsStatement(groups);
  const scale = scaleNodegroupsStatement(action, groups);
  const policy = new iam.ManagedPolicy(scope, `${title(action)}NodegroupsPolicy`, {
    description: `Lets ${grantee.description} find and scale the EKS managed node groups that carry the ${groups.tagKey} tag of one of its schedules`,
    statements: [findNodegroupsStatement(), read, scale],
    roles: [grantee.role],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'tag:GetResources supports no resource-level permissions; it can only be granted on *. It reads tags, and the run asks it for eks:nodegroup resources carrying a schedule tag only.',
  });
  acknowledgeWildcardResources(
    policy,
    read,
    'eks:DescribeNodegroup and eks:DescribeUpdate are read-only and on the node groups and clusters of this account only: the node group to read is found by its tag at run time, and DescribeUpdate is authorized on its cluster, which carries no schedule tag.',
  );
  acknowledgeWildcardResources(
    policy,
    scale,
    `eks:UpdateNodegroupConfig (and eks:TagResource, for the size and audit tag keys only) is on nodegroup/* only under the condition aws:ResourceTag/${groups.tagKey} equals one of ${grantee.names} schedule names.`,
  );
  return policy;
}
