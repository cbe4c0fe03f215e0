/**
 * The EKS node-group statements of a function, in a customer managed policy of their own attached
 * to its role (as the Auto Scaling group statements are): they hold the schedule names once more
 * (under `aws:ResourceTag`), which the role's 10,240 characters of inline policy could not.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ScheduleAction } from '../contract/schedule-input';
import type { ScheduledInstances } from '../iam/instance-statements';
import { acknowledgeWildcardResources } from '../iam/nag-findings';
import {
  findNodegroupsStatement,
  readNodegroupsStatement,
  scaleNodegroupsStatement,
} from '../iam/nodegroup-statements';

/** Attaches `<Start|Stop>NodegroupsPolicy` to `role`, its wildcards acknowledged with reasons. */
export function grantNodegroups(
  scope: Construct,
  role: iam.IRole,
  action: ScheduleAction,
  groups: ScheduledInstances,
): iam.ManagedPolicy {
  const read = readNodegroupsStatement(groups);
  const scale = scaleNodegroupsStatement(action, groups);
  const policy = new iam.ManagedPolicy(
    scope,
    `${action === 'start' ? 'Start' : 'Stop'}NodegroupsPolicy`,
    {
      description: `Lets the ${action} function find and scale the EKS managed node groups that carry the ${groups.tagKey} tag of one of its schedules`,
      statements: [findNodegroupsStatement(), read, scale],
      roles: [role],
    },
  );
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
    `eks:UpdateNodegroupConfig (and eks:TagResource, for the size and audit tag keys only) is on nodegroup/* only under the condition aws:ResourceTag/${groups.tagKey} equals one of this scheduler's schedule names.`,
  );
  return policy;
}
