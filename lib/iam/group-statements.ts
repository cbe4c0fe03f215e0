/**
 * The IAM statements that let a function's role act on scheduled Auto Scaling groups: find them
 * and read their scaling activities (on `*`: Auto Scaling's Describe actions support no
 * resource-level permissions), and resize them and write the size and audit tags, only on groups
 * carrying one of the schedules' tags.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ScheduleAction } from '../contract/schedule-input';
import { auditTagKey, sizeTagKey } from '../common/shared-names';
import type { ScheduledInstances } from './instance-statements';

/** The Describe actions of a run on groups: on `*`, as Auto Scaling allows no narrower resource. */
export function findGroupsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'FindTaggedAutoScalingGroups',
    actions: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities'],
    resources: ['*'],
  });
}

/**
 * `autoscaling:UpdateAutoScalingGroup` and `autoscaling:CreateOrUpdateTags` on groups whose
 * `autoscaling:ResourceTag/<tagKey>` names a schedule; `ForAllValues:StringEquals aws:TagKeys`
 * limits the tags written to the size key (stop) and the audit key (with auditTags), so the role
 * cannot change which schedule a group follows. UpdateAutoScalingGroup has no tag keys, which
 * `ForAllValues` lets through. A start without audit tags writes no tag: it gets the update alone.
 */
export function scaleGroupsStatement(
  action: ScheduleAction,
  groups: ScheduledInstances,
): iam.PolicyStatement {
  const keys = groupTagKeys(action, groups);
  return new iam.PolicyStatement({
    sid: action === 'start' ? 'StartScheduledAutoScalingGroups' : 'StopScheduledAutoScalingGroups',
    actions:
      keys.length > 0
        ? ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:CreateOrUpdateTags']
        : ['autoscaling:UpdateAutoScalingGroup'],
    resources: groupArns(groups),
    conditions: {
      StringEquals: { [`autoscaling:ResourceTag/${groups.tagKey}`]: groups.scheduleNames },
      ...(keys.length > 0 ? { 'ForAllValues:StringEquals': { 'aws:TagKeys': keys } } : {}),
    },
  });
}

/**
 * The tag keys a role may write on its groups or node groups: the size key (stop) and the audit
 * key (with audit tags); none, for a start without audit tags.
 */
export function groupTagKeys(action: ScheduleAction, groups: ScheduledInstances): string[] {
  return [
    ...(action === 'stop' ? [sizeTagKey(groups.tagKey)] : []),
    ...(groups.auditTags ? [auditTagKey(groups.tagKey)] : []),
  ];
}

/** `arn:<partition>:autoscaling:<region>:<account>:autoScalingGroup:*:autoScalingGroupName/*`. */
function groupArns(groups: ScheduledInstances): string[] {
  const stack = Stack.of(groups.scope);
  return (groups.regions ?? [undefined]).map((region) =>
    stack.formatArn({
      service: 'autoscaling',
      region,
      resource: 'autoScalingGroup',
      resourceName: '*:autoScalingGroupName/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
}
