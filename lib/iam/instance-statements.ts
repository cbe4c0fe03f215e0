/**
 * The IAM statements that let a role act on scheduled instances: find them, start or stop them
 * and write the audit tag, and create grants on their EBS keys. The start and stop functions'
 * roles use them in their own account, the spoke roles in each target account: one builder, so a
 * spoke role may do exactly what its function may do at home.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ScheduleAction } from '../contract/schedule-input';
import { auditTagKey } from '../common/shared-names';

/** The instances a role may act on: those whose `tagKey` tag names one of `scheduleNames`. */
export interface ScheduledInstances {
  /** The scope whose stack the instance ARN is formatted in (its partition, Region, account). */
  readonly scope: Construct;
  readonly tagKey: string;
  /** The schedule names; may be a lazy list, so schedules added later are included. */
  readonly scheduleNames: string[];
  /** The role may also write the audit tag `<tagKey>:last-action` on them. */
  readonly auditTags: boolean;
  /**
   * The Regions of the instances (`*` for any): a spoke role serves every Region the hub acts in.
   * Undefined: the stack's own Region.
   */
  readonly regions?: readonly string[];
}

/** `ec2:DescribeInstances` on `*`: EC2 supports no resource-level permissions for it. */
export function findInstancesStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'FindTaggedInstances',
    actions: ['ec2:DescribeInstances'],
    resources: ['*'],
  });
}

/**
 * `ec2:StartInstances` or `ec2:StopInstances` (and, with `auditTags`, `ec2:CreateTags` for the
 * audit tag key only), only on instances carrying a schedule's tag: one statement, so the schedule
 * names appear once in the role's policy.
 *
 * `ForAllValues:StringEquals aws:TagKeys = [<tagKey>:last-action]` limits CreateTags to the audit
 * key: the role cannot change which schedule an instance follows. The same condition leaves the
 * start or stop alone, because a set operator with `ForAllValues` is true when the request has no
 * tag keys, as StartInstances and StopInstances have none (IAM User Guide, "Single-valued vs.
 * multivalued context keys").
 */
export function transitionStatement(
  action: ScheduleAction,
  instances: ScheduledInstances,
): iam.PolicyStatement {
  const act = action === 'start' ? 'ec2:StartInstances' : 'ec2:StopInstances';
  return new iam.PolicyStatement({
    sid: action === 'start' ? 'StartScheduledInstances' : 'StopScheduledInstances',
    actions: instances.auditTags ? [act, 'ec2:CreateTags'] : [act],
    resources: instanceArns(instances),
    conditions: {
      StringEquals: { [`aws:ResourceTag/${instances.tagKey}`]: instances.scheduleNames },
      ...(instances.auditTags
        ? { 'ForAllValues:StringEquals': { 'aws:TagKeys': [auditTagKey(instances.tagKey)] } }
        : {}),
    },
  });
}

/**
 * `kms:CreateGrant` on one EBS key, for AWS resources only: without it, EC2 accepts the start of
 * an instance with a volume encrypted by the key, and the instance stops again moments later.
 */
export function createGrantStatement(keyArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['kms:CreateGrant'],
    resources: [keyArn],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  });
}

/** `arn:<partition>:ec2:<region>:<account>:instance/*` in the scope's account, for each Region. */
function instanceArns(instances: ScheduledInstances): string[] {
  const stack = Stack.of(instances.scope);
  return (instances.regions ?? [undefined]).map((region) =>
    stack.formatArn({
      service: 'ec2',
      region,
      resource: 'instance',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
  );
}
