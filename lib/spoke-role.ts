/**
 * The spoke role: in each target account, the role a hub's start and stop functions assume to act
 * there, with exactly the permissions they have in their own account. Deployed by the hub's
 * StackSet for organizational units, or by teams in their own pipelines for listed accounts.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  auditTagStatement,
  createGrantStatement,
  findInstancesStatement,
  transitionStatement,
  type ScheduledInstances,
} from './instance-statements';
import {
  DEFAULT_SPOKE_ROLE_NAME,
  hubRoleNames,
  validateAccountId,
  validateOrganizationId,
  validateSpokeRoleName,
} from './targets';
import { validateDerivedTagKeys, validateScheduleName, validateTagKey } from './validation';

/** Properties of an {@link Ec2SchedulerSpokeRole}. */
export interface Ec2SchedulerSpokeRoleProps {
  /** The hub's account id: the account of the `Ec2Scheduler` whose `targets` include this one. */
  readonly hubAccount: string;

  /**
   * The role's name: the hub's `spokeRoleName`. The role trusts the hub's function roles
   * `<roleName>-hub-start` and `<roleName>-hub-stop`.
   * @default 'ec2-scheduler-spoke'
   */
  readonly roleName?: string;

  /**
   * The hub's `tagKey`: the tag that opts an instance in.
   * @default 'Schedule'
   */
  readonly tagKey?: string;

  /** The hub's schedule names: the role may start and stop only instances tagged with one. */
  readonly scheduleNames: string[];

  /**
   * KMS keys that encrypt the instances' EBS volumes: the role may create grants on them for AWS
   * resources only, as starting such instances needs.
   * @default - no KMS permissions
   */
  readonly encryptionKeys?: kms.IKey[];

  /**
   * The AWS Organizations id (`o-...`) of the hub: the trust policy then also requires
   * `aws:PrincipalOrgID`.
   * @default - the trust names the hub's roles by ARN only
   */
  readonly organizationId?: string;

  /**
   * The hub's `auditTags`: the role may write the audit tag `<tagKey>:last-action`.
   * @default true
   */
  readonly auditTags?: boolean;

  /**
   * The Regions the hub acts in; the role may start and stop instances in these only.
   * @default - any Region (IAM roles are global; the tag condition still applies)
   */
  readonly regions?: string[];
}

/**
 * The role a hub `Ec2Scheduler` (with `targets`) assumes in a target account: trusted only by the
 * hub's start and stop function roles, and allowed only what those functions may do in their own
 * account (find instances; start, stop and tag only those carrying one of the schedule names).
 */
export class Ec2SchedulerSpokeRole extends Construct {
  /** The spoke role. */
  public readonly role: iam.Role;
  /** The spoke role's name, which the hub's `spokeRoleName` names. */
  public readonly roleName: string;

  /**
   * Creates the spoke role.
   * @param scope the parent construct
   * @param id the construct id
   * @param props the hub's account, tag key and schedule names
   * @throws Error when a prop is invalid; the message names the prop, the value and the fix
   */
  constructor(scope: Construct, id: string, props: Ec2SchedulerSpokeRoleProps) {
    super(scope, id);
    this.roleName = props.roleName ?? DEFAULT_SPOKE_ROLE_NAME;
    const tagKey = props.tagKey ?? 'Schedule';
    checkSpokeProps(props, this.roleName, tagKey);
    const instances: ScheduledInstances = {
      scope: this,
      tagKey,
      scheduleNames: props.scheduleNames,
      regions: props.regions ?? ['*'],
    };
    const statements = [
      findInstancesStatement(),
      transitionStatement('start', instances),
      transitionStatement('stop', instances),
    ];
    if (props.auditTags ?? true) statements.push(auditTagStatement(instances));
    for (const key of props.encryptionKeys ?? []) statements.push(createGrantStatement(key.keyArn));
    this.role = new iam.Role(this, 'Role', {
      roleName: this.roleName,
      assumedBy: hubPrincipal(this, props.hubAccount, this.roleName, props.organizationId),
      description: `Lets the start and stop functions of an Ec2Scheduler in account ${props.hubAccount} start and stop EC2 instances here that carry the ${tagKey} tag of one of its schedules`,
      inlinePolicies: { ScheduledInstances: new iam.PolicyDocument({ statements }) },
    });
    acknowledgeFindings(this.role, instances);
  }
}

/**
 * The hub's account, limited by `aws:PrincipalArn` to its two function roles. Naming the roles as
 * principals instead would make IAM refuse the trust policy until they exist, and stop matching
 * (IAM keeps their unique ids) once the hub's roles are replaced.
 */
function hubPrincipal(
  scope: Construct,
  hubAccount: string,
  roleName: string,
  organizationId: string | undefined,
): iam.IPrincipal {
  const names = hubRoleNames(roleName);
  const arn = (name: string) =>
    Stack.of(scope).formatArn({
      service: 'iam',
      region: '',
      account: hubAccount,
      resource: 'role',
      resourceName: name,
    });
  return new iam.AccountPrincipal(hubAccount).withConditions({
    ArnEquals: { 'aws:PrincipalArn': [arn(names.start), arn(names.stop)] },
    ...(organizationId !== undefined
      ? { StringEquals: { 'aws:PrincipalOrgID': organizationId } }
      : {}),
  });
}

function checkSpokeProps(props: Ec2SchedulerSpokeRoleProps, roleName: string, tagKey: string) {
  validateAccountId('hubAccount', props.hubAccount);
  validateSpokeRoleName('roleName', roleName);
  if (!Token.isUnresolved(tagKey)) {
    validateTagKey(tagKey);
    validateDerivedTagKeys(tagKey, { auditTags: props.auditTags ?? true });
  }
  if (props.organizationId !== undefined) validateOrganizationId(props.organizationId);
  if (props.scheduleNames.length === 0) {
    throw new Error(
      'scheduleNames is empty; give the hub\'s schedule names, e.g. ["office-hours"], so the role may act on instances tagged with them',
    );
  }
  const seen = new Set<string>();
  for (const name of props.scheduleNames) {
    if (Token.isUnresolved(name)) continue;
    validateScheduleName(name);
    if (seen.has(name)) throw new Error(`scheduleNames lists "${name}" twice; list each once`);
    seen.add(name);
  }
}

/** The cdk-nag findings the role carries by design, with the reasons. */
function acknowledgeFindings(role: iam.Role, instances: ScheduledInstances): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ec2:DescribeInstances supports no resource-level permissions; it can only be granted on *.',
  });
  for (const region of instances.regions ?? []) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${region}:<AWS::AccountId>:instance/*]`,
      reason: `ec2:StartInstances and ec2:StopInstances (and ec2:CreateTags, for the audit tag key only) are on instance/* only under the condition aws:ResourceTag/${instances.tagKey} equals one of the hub's schedule names.`,
    });
  }
}
