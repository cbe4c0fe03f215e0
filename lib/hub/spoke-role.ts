/**
 * The spoke roles: in each target account, the roles a hub's functions assume to act there, one
 * per function, each with exactly the permissions that function has in its own account. Deployed
 * by the hub's StackSet for organizational units, or by teams in their own pipelines for listed
 * accounts.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  createGrantStatement,
  findInstancesStatement,
  transitionStatement,
  type ScheduledInstances,
} from '../iam/instance-statements';
import { grantGroups, grantNodegroups } from '../iam/group-policies';
import { acknowledgeWildcardResources } from '../iam/nag-findings';
import { checkRolePolicySize } from '../iam/policy-size';
import { validateRegionNames, validateRegionPartition } from './regions';
import type { ScheduleAction } from '../contract/schedule-input';
import { spokeRoleNameFor } from '../contract/spoke-arn';
import {
  DEFAULT_SPOKE_ROLE_NAME,
  hubRoleNames,
  validateAccountId,
  validateOrganizationId,
  validateSpokeRoleName,
} from './targets';
import {
  validateDerivedTagKeys,
  validateScheduleName,
  validateTagKey,
} from '../schedule/validation';

/** Properties of an {@link Ec2SchedulerSpokeRole}. */
export interface Ec2SchedulerSpokeRoleProps {
  /** The hub's account id: the account of the `Ec2Scheduler` whose `targets` include this one. */
  readonly hubAccount: string;

  /**
   * The roles' base name: the hub's `spokeRoleName`. The role `<roleName>-start` trusts only the
   * hub's start function role `<roleName>-hub-start`, and `<roleName>-stop` only
   * `<roleName>-hub-stop`.
   * @default 'ec2-scheduler-spoke'
   */
  readonly roleName?: string;

  /**
   * The hub's `tagKey`: the tag that opts an instance in.
   * @default 'Schedule'
   */
  readonly tagKey?: string;

  /** The hub's schedule names: the roles may start and stop only instances tagged with one. */
  readonly scheduleNames: string[];

  /**
   * KMS keys that encrypt the instances' EBS volumes: the start role may create grants on them for
   * AWS resources only, as starting such instances needs.
   * @default - no KMS permissions
   */
  readonly encryptionKeys?: kms.IKey[];

  /**
   * The AWS Organizations id (`o-...`) of the hub: the trust policies then also require
   * `aws:PrincipalOrgID`.
   * @default - the trust names the hub's roles by ARN only
   */
  readonly organizationId?: string;

  /**
   * The hub's `auditTags`: the roles may write the audit tag `<tagKey>:last-action`.
   * @default true
   */
  readonly auditTags?: boolean;

  /**
   * The Regions the hub acts in; the roles may start and stop instances in these only. Regions
   * aws-cdk-lib knows (see `allowUnknownRegions`), in the partition of this stack.
   * @default - any Region (IAM roles are global; the tag condition still applies)
   */
  readonly regions?: string[];

  /**
   * Accept `regions` that aws-cdk-lib does not know yet (AWS opens Regions before a library
   * release lists them); only their shape is checked then.
   * @default false - a Region aws-cdk-lib does not know fails synth, naming the closest one it knows
   */
  readonly allowUnknownRegions?: boolean;
}

/**
 * The roles a hub `Ec2Scheduler` (with `targets`) assumes in a target account, one per function:
 * `<roleName>-start`, trusted only by the hub's start function role, may find, start and tag the
 * instances of the schedules (and create grants on their EBS keys) and scale their Auto Scaling
 * groups and EKS node groups back up; `<roleName>-stop`, trusted only by the hub's stop function
 * role, may find, stop and tag them and scale the groups to zero (the size tag in the two managed
 * policies `<Start|Stop>GroupsPolicy` and `<Start|Stop>NodegroupsPolicy`). Neither may do the
 * other's action.
 */
export class Ec2SchedulerSpokeRole extends Construct {
  /** The role the hub's start function assumes: `<roleName>-start`. */
  public readonly startRole: iam.Role;
  /** The role the hub's stop function assumes: `<roleName>-stop`. */
  public readonly stopRole: iam.Role;
  /** The roles' base name, which the hub's `spokeRoleName` names. */
  public readonly roleName: string;

  /**
   * Creates the spoke roles.
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
    checkSpokeRegions(this, props);
    const instances: ScheduledInstances = {
      scope: this,
      tagKey,
      scheduleNames: props.scheduleNames,
      auditTags: props.auditTags ?? true,
      regions: props.regions ?? ['*'],
    };
    const role = (action: ScheduleAction) => this.createRole(action, props, instances);
    this.startRole = role('start');
    this.stopRole = role('stop');
  }

  private createRole(
    action: ScheduleAction,
    props: Ec2SchedulerSpokeRoleProps,
    instances: ScheduledInstances,
  ): iam.Role {
    const transition = transitionStatement(action, instances);
    const statements = [findInstancesStatement(), transition];
    // Starting an instance whose EBS volumes a key encrypts needs a grant on it; stopping does not.
    const keys = action === 'start' ? (props.encryptionKeys ?? []) : [];
    for (const key of keys) statements.push(createGrantStatement(key.keyArn));
    const roleName = spokeRoleNameFor(this.roleName, action);
    const hubRole = hubRoleNames(this.roleName)[action];
    const role = new iam.Role(this, action === 'start' ? 'StartRole' : 'StopRole', {
      roleName,
      assumedBy: hubPrincipal(this, props.hubAccount, hubRole, props.organizationId),
      description: `Lets the ${action} function of an Ec2Scheduler in account ${props.hubAccount} (${hubRole}) ${action} EC2 instances, Auto Scaling groups and EKS node groups here that carry the ${instances.tagKey} tag of one of its schedules`,
      inlinePolicies: { ScheduledInstances: new iam.PolicyDocument({ statements }) },
    });
    acknowledgeFindings(role, action, instances, transition);
    // The hub's runs in this account schedule its groups and node groups too, as a function does.
    const grantee = { role, description: `the hub's ${action} function`, names: "the hub's" };
    grantGroups(this, grantee, action, instances);
    grantNodegroups(this, grantee, action, instances);
    checkRolePolicySize(role, () => props.scheduleNames, `spoke role "${roleName}"`);
    return role;
  }
}

/**
 * The hub's account, limited by `aws:PrincipalArn` to one of its function roles. Naming the role
 * as principal instead would make IAM refuse the trust policy until it exists, and stop matching
 * (IAM keeps its unique id) once the hub's role is replaced.
 */
function hubPrincipal(
  scope: Construct,
  hubAccount: string,
  hubRole: string,
  organizationId: string | undefined,
): iam.IPrincipal {
  const arn = Stack.of(scope).formatArn({
    service: 'iam',
    region: '',
    account: hubAccount,
    resource: 'role',
    resourceName: hubRole,
  });
  return new iam.AccountPrincipal(hubAccount).withConditions({
    ArnEquals: { 'aws:PrincipalArn': arn },
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

/** @throws Error unless `regions` are Regions aws-cdk-lib knows (or allowed), of the stack's partition */
function checkSpokeRegions(scope: Construct, props: Ec2SchedulerSpokeRoleProps): void {
  const regions = props.regions ?? [];
  const allowUnknown = props.allowUnknownRegions ?? false;
  validateRegionNames('regions', regions, allowUnknown, 'allowUnknownRegions');
  validateRegionPartition('regions', regions, Stack.of(scope).region, "the spoke role's stack");
}

/** The cdk-nag findings a spoke role carries by design, with the reasons. */
function acknowledgeFindings(
  role: iam.Role,
  action: ScheduleAction,
  instances: ScheduledInstances,
  transition: iam.PolicyStatement,
): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ec2:DescribeInstances supports no resource-level permissions; it can only be granted on *.',
  });
  const act = action === 'start' ? 'ec2:StartInstances' : 'ec2:StopInstances';
  acknowledgeWildcardResources(
    role,
    transition,
    `${act}${instances.auditTags ? ' (and ec2:CreateTags, for the audit tag key only)' : ''} is on instance/* only under the condition aws:ResourceTag/${instances.tagKey} equals one of the hub's schedule names.`,
  );
}
