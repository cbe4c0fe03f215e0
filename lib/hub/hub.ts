/**
 * What makes an Ec2Scheduler with `targets` a hub: its start function's role may assume the spoke
 * start role in the target accounts, its stop function's role the spoke stop role (and nowhere
 * else), both may list the accounts of the target OUs, and a service-managed StackSet gives every
 * account of those OUs the spoke roles.
 */
import { Stack } from 'aws-cdk-lib';
import type * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../iam/nag-findings';
import { validateRegionPartition } from './regions';
import type { ScheduleAction } from '../contract/schedule-input';
import { spokeRoleNameFor } from '../contract/spoke-arn';
import { createSpokeStackSet } from './spoke-stack-set';
import type { ResolvedTargets } from './targets';

/** The statement that lets a function role assume the spoke role in the accounts of the OUs. */
const IN_OUS_SID = 'AssumeSpokeRoleInOrganizationalUnits';

/** What a hub is made of. */
export interface HubOptions {
  readonly targets: ResolvedTargets;
  readonly roles: Record<ScheduleAction, iam.Role>;
  readonly tagKey: string;
  readonly auditTags: boolean;
  readonly encryptionKeys: readonly kms.IKey[];
  /** The scheduler's schedule names, read at synth so later schedules are included. */
  readonly scheduleNames: () => string[];
  /** Unique per stack and construct path; names the StackSet. */
  readonly namePrefix: string;
}

/**
 * Grants the function roles what a hub needs and, for organizational units, creates the spoke
 * StackSet (construct id `SpokeStackSet`), which it returns.
 * @throws Error when a target Region is not in the stack's partition
 */
export function configureHub(
  scope: Construct,
  options: HubOptions,
): cloudformation.CfnStackSet | undefined {
  const { targets } = options;
  validateRegionPartition(
    'targets.regions',
    targets.regions,
    Stack.of(scope).region,
    "the hub's stack",
  );
  const withOus = targets.organizationalUnitIds.length > 0;
  for (const action of ['start', 'stop'] as const) {
    const role = options.roles[action];
    const spokeRole = spokeRoleNameFor(targets.spokeRoleName, action);
    const statements = assumeSpokeRoleStatements(scope, targets, spokeRole);
    if (withOus) statements.push(listOrganizationalUnitAccounts());
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    const inOus = statements.find((s) => s.sid === IN_OUS_SID);
    if (inOus) {
      acknowledgeWildcardResources(
        role,
        inOus,
        `The accounts of the target organizational units are known only at run time, so sts:AssumeRole names the spoke role ${spokeRole} in any account, under the condition aws:ResourceOrgPaths contains one of the target OUs${targets.organizationId ? ` of organization ${targets.organizationId}` : ''}.`,
      );
    }
  }
  if (!withOus) return undefined;
  return createSpokeStackSet(scope, {
    targets,
    tagKey: options.tagKey,
    auditTags: options.auditTags,
    encryptionKeys: options.encryptionKeys,
    scheduleNames: options.scheduleNames,
    stackSetName: `${options.namePrefix}-spokes`,
  });
}

/**
 * `sts:AssumeRole` on one spoke role only: by ARN in each listed account, and in any account whose
 * organization path (`aws:ResourceOrgPaths`, e.g. `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`) passes
 * through one of the target OUs, at any depth, as the run's listing goes down to child OUs.
 */
function assumeSpokeRoleStatements(scope: Construct, targets: ResolvedTargets, spokeRole: string) {
  const stack = Stack.of(scope);
  const spokeRoleArn = (account: string) =>
    stack.formatArn({
      service: 'iam',
      region: '',
      account,
      resource: 'role',
      resourceName: spokeRole,
    });
  const statements: iam.PolicyStatement[] = [];
  if (targets.accounts.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'AssumeSpokeRoleInListedAccounts',
        actions: ['sts:AssumeRole'],
        resources: targets.accounts.map(spokeRoleArn),
      }),
    );
  }
  if (targets.organizationalUnitIds.length > 0) {
    const organization = targets.organizationId ?? 'o-*';
    statements.push(
      new iam.PolicyStatement({
        sid: IN_OUS_SID,
        actions: ['sts:AssumeRole'],
        resources: [spokeRoleArn('*')],
        conditions: {
          'ForAnyValue:StringLike': {
            'aws:ResourceOrgPaths': targets.organizationalUnitIds.map(
              (ou) => `${organization}/*/${ou}/*`,
            ),
          },
        },
      }),
    );
  }
  return statements;
}

/**
 * The read-only Organizations calls that list an OU's accounts, down through its child OUs. They
 * take no resource scoping here: an OU's ARN names the management account and organization id.
 */
function listOrganizationalUnitAccounts(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ListOrganizationalUnitAccounts',
    actions: ['organizations:ListAccountsForParent', 'organizations:ListChildren'],
    resources: ['*'],
  });
}
