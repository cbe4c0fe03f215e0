/**
 * Many accounts (issue 13), the construct side: a hub's function roles, what they are told of
 * their targets, the spoke roles (by `Ec2SchedulerSpokeRole` and by the service-managed StackSet),
 * one per function, each with only its own action (issue 19), the checks on the props, and a
 * single-account scheduler that shows no trace of any of it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Ec2Scheduler, Ec2SchedulerProps, Ec2SchedulerSpokeRole } from '../lib';
import type { Ec2SchedulerSpokeRoleProps } from '../lib';
import { TARGETS_ENV, type TargetsConfig } from '../lib/contract/schedule-input';
import {
  NO_BUILTIN_VALIDATION,
  TemplateStatement,
  acknowledgementsIn,
  actionsGrantedTo,
  actionsOf,
  deployedValue,
  exactly,
  statementsOf,
  testStack,
  unacknowledgedNagErrors,
} from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

const ACCOUNTS = ['111111111111', '222222222222'];
const OUS = ['ou-ab12-cdef3456', 'ou-ab12-99998888'];
const REGIONS = ['us-east-1', 'eu-west-1'];
const ORGANIZATION = 'o-a1b2c3d4e5';
/** The account the spoke templates' HubAccountId parameter is given in these tests. */
const HUB = '999988887777';

/**
 * How many resources the spoke template holds: the start and stop spoke roles (instance policies
 * inline), and each role's managed policies for Auto Scaling groups and EKS node groups.
 */
const SPOKE_TEMPLATE_RESOURCES = 6;
const ACTIONS = ['start', 'stop'] as const;

interface SpokeTemplate {
  readonly Parameters?: Record<string, { Type: string }>;
  readonly Rules?: unknown;
  readonly Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** A hub with both listed accounts and OUs; `office-hours` first, `evening-stop` added later. */
function hub(props: Partial<Ec2SchedulerProps> = {}, stack = testStack('Hub')) {
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
    targets: { accounts: ACCOUNTS, organizationalUnitIds: OUS, regions: REGIONS },
    ...props,
  });
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  scheduler.addSchedule('evening-stop', { stop: 'cron(0 19 * * ? *)' });
  return { stack, scheduler, template: Template.fromStack(stack) };
}

/** The one StackSet of the template, with its spoke template parsed. */
function stackSetOf(template: Template) {
  const stackSets = Object.values(template.findResources('AWS::CloudFormation::StackSet'));
  expect(stackSets).toHaveLength(1);
  const properties = (stackSets[0] as { Properties: Record<string, unknown> }).Properties;
  return { properties, body: JSON.parse(properties.TemplateBody as string) as SpokeTemplate };
}

/** A policy document (or any JSON) as deployed: {@link deployedValue} on every intrinsic in it. */
function deployedDocument(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deployedDocument);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return deployedValue(value);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deployedDocument(v)]));
}

/** A value of the spoke template as deployed with HubAccountId = {@link HUB}. */
function deployedInSpoke(value: unknown): unknown {
  const withHub = JSON.parse(
    JSON.stringify(value).replaceAll('{"Ref":"HubAccountId"}', JSON.stringify(HUB)),
  );
  return deployedDocument(withHub);
}

/**
 * The trust policy statements of the spoke role `<base>-<action>`, as deployed with hub
 * {@link HUB}: only the hub's function role of the same action.
 */
function trustOfHub(base: string, action: 'start' | 'stop', organizationId?: string) {
  return [
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: `arn:aws:iam::${HUB}:root` },
      Condition: {
        ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${HUB}:role/${base}-hub-${action}` },
        ...(organizationId ? { StringEquals: { 'aws:PrincipalOrgID': organizationId } } : {}),
      },
    },
  ];
}

type RoleResource = { Type: string; Properties: Record<string, unknown> };

/** The roles of a template (a spoke template, or a spoke stack's), by RoleName. */
function rolesByName(resources: Record<string, RoleResource>): Record<string, RoleResource> {
  const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
  return Object.fromEntries(roles.map((r) => [String(r.Properties.RoleName), r]));
}

/** The statements of a role's inline policies. */
function inlineStatements(role: RoleResource): TemplateStatement[] {
  const policies = role.Properties.Policies as Array<{
    PolicyDocument: { Statement: TemplateStatement[] };
  }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

/** The statements of the spoke role `<base>-<action>` of a spoke template. */
function spokeStatements(
  body: SpokeTemplate,
  action: 'start' | 'stop',
  base = 'ec2-scheduler-spoke',
): TemplateStatement[] {
  const role = rolesByName(body.Resources)[`${base}-${action}`];
  expect(role).toBeDefined();
  return inlineStatements(role);
}

/** The role's statements that grant `action`, with their resources as deployed. */
function granting(statements: TemplateStatement[], action: string) {
  return statements
    .filter((s) => actionsOf(s).includes(action))
    .map((s) => ({ ...s, Resource: deployedValue(s.Resource) }));
}

describe('a hub for listed accounts and organizational units', () => {
  const { stack, scheduler, template } = hub({ organizationId: ORGANIZATION });

  test('the function roles have the fixed names the spoke roles trust', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'ec2-scheduler-spoke-hub-start',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
    });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'ec2-scheduler-spoke-hub-stop' });
  });

  test.each(ACTIONS)(
    'the %s role may assume only the spoke role of its action: by ARN in the listed accounts, and in any account only within the target OUs',
    (action) => {
      const role = action === 'start' ? scheduler.startRole : scheduler.stopRole;
      expect(granting(statementsOf(template, stack, role), 'sts:AssumeRole')).toEqual([
        {
          Sid: 'AssumeSpokeRoleInListedAccounts',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: [
            `arn:aws:iam::111111111111:role/ec2-scheduler-spoke-${action}`,
            `arn:aws:iam::222222222222:role/ec2-scheduler-spoke-${action}`,
          ],
        },
        {
          Sid: 'AssumeSpokeRoleInOrganizationalUnits',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: `arn:aws:iam::*:role/ec2-scheduler-spoke-${action}`,
          // An OU anywhere in the path, so child OUs count; pinned to the organization given.
          Condition: {
            'ForAnyValue:StringLike': {
              'aws:ResourceOrgPaths': [
                'o-a1b2c3d4e5/*/ou-ab12-cdef3456/*',
                'o-a1b2c3d4e5/*/ou-ab12-99998888/*',
              ],
            },
          },
        },
      ]);
    },
  );

  test('both roles may list the accounts of an OU and its child OUs, read-only', () => {
    for (const role of [scheduler.startRole, scheduler.stopRole]) {
      const statements = statementsOf(template, stack, role).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('organizations:')),
      );
      expect(statements).toEqual([
        {
          Sid: 'ListOrganizationalUnitAccounts',
          Effect: 'Allow',
          Action: ['organizations:ListAccountsForParent', 'organizations:ListChildren'],
          Resource: '*',
        },
      ]);
    }
  });

  test(`both functions are told their targets in ${TARGETS_ENV} (JSON)`, () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
      Properties: { Environment: { Variables: Record<string, string> } };
    }>;
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      const config: TargetsConfig = JSON.parse(fn.Properties.Environment.Variables[TARGETS_ENV]);
      expect(config).toEqual({
        accounts: ACCOUNTS,
        organizationalUnitIds: OUS,
        regions: REGIONS,
        spokeRoleName: 'ec2-scheduler-spoke',
      });
    }
  });

  test('a service-managed StackSet with automatic deployment gives every account of the OUs the spoke roles, once, in the stack’s Region', () => {
    const { properties } = stackSetOf(template);
    expect(properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: OUS }, Regions: [{ Ref: 'AWS::Region' }] },
      ],
      Parameters: [{ ParameterKey: 'HubAccountId', ParameterValue: { Ref: 'AWS::AccountId' } }],
      StackSetName: expect.stringMatching(/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/),
    });
    expect(scheduler.spokeStackSet).toBeDefined();
  });

  test(`the spoke template holds ${SPOKE_TEMPLATE_RESOURCES} resources (the start and stop roles, their group and node-group policies), no asset and no bootstrap version check`, () => {
    const { body } = stackSetOf(template);
    expect(Object.values(body.Resources).map((r) => r.Type)).toEqual([
      'AWS::IAM::Role',
      'AWS::IAM::ManagedPolicy',
      'AWS::IAM::ManagedPolicy',
      'AWS::IAM::Role',
      'AWS::IAM::ManagedPolicy',
      'AWS::IAM::ManagedPolicy',
    ]);
    expect(Object.keys(rolesByName(body.Resources)).sort()).toEqual([
      'ec2-scheduler-spoke-start',
      'ec2-scheduler-spoke-stop',
    ]);
    expect(Object.keys(body.Resources)).toHaveLength(SPOKE_TEMPLATE_RESOURCES);
    // Only the hub's account is a parameter: no asset parameters, no BootstrapVersion, no rule.
    expect(Object.keys(body.Parameters ?? {})).toEqual(['HubAccountId']);
    expect(body.Rules).toBeUndefined();
    for (const resource of Object.values(body.Resources)) {
      expect(resource).not.toHaveProperty('Metadata');
    }
  });

  test.each(ACTIONS)(
    "the spoke %s role trusts only the hub's function role of the same action, by ARN, within the organization",
    (action) => {
      const role = rolesByName(stackSetOf(template).body.Resources)[
        `ec2-scheduler-spoke-${action}`
      ];
      const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: unknown[] })
        .Statement;
      expect(deployedInSpoke(trust)).toEqual(
        trustOfHub('ec2-scheduler-spoke', action, ORGANIZATION),
      );
    },
  );

  test.each([
    ['start', 'ec2:StartInstances', 'ec2:StopInstances'],
    ['stop', 'ec2:StopInstances', 'ec2:StartInstances'],
  ] as const)(
    'the spoke %s role may %s and tag (the audit key only) only instances of the schedules, in the target Regions, and never %s',
    (action, allowed, denied) => {
      const statements = spokeStatements(stackSetOf(template).body, action);
      const instances = REGIONS.map((r) => `arn:aws:ec2:${r}:111122223333:instance/*`);
      expect(statements.map((s) => ({ ...s, Resource: deployedValue(s.Resource) }))).toEqual([
        {
          Sid: 'FindTaggedInstances',
          Effect: 'Allow',
          Action: 'ec2:DescribeInstances',
          Resource: '*',
        },
        {
          Sid: action === 'start' ? 'StartScheduledInstances' : 'StopScheduledInstances',
          Effect: 'Allow',
          Action: [allowed, 'ec2:CreateTags'],
          Resource: instances,
          // One condition block: the names once; the tag keys limit CreateTags to the audit key
          // (true for the start or stop, whose request has no tag keys).
          Condition: {
            StringEquals: { 'aws:ResourceTag/Schedule': ['office-hours', 'evening-stop'] },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['Schedule:last-action'] },
          },
        },
      ]);
      expect(statements.flatMap(actionsOf)).not.toContain(denied);
    },
  );
});

describe('a hub for listed accounts only', () => {
  const { stack, scheduler, template } = hub({
    targets: { accounts: ACCOUNTS, regions: ['us-east-1'] },
    spokeRoleName: 'scheduler.spoke',
  });

  test('creates no StackSet and grants no Organizations call', () => {
    template.resourceCountIs('AWS::CloudFormation::StackSet', 0);
    expect(scheduler.spokeStackSet).toBeUndefined();
    for (const role of [scheduler.startRole, scheduler.stopRole]) {
      expect(actionsGrantedTo(template, stack, role)).not.toContainEqual(
        expect.stringMatching(/^organizations:/),
      );
    }
  });

  test('each role may assume the spoke role of its action in the listed accounts and nowhere else', () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'scheduler.spoke-hub-stop' });
    for (const [role, action] of [
      [scheduler.startRole, 'start'],
      [scheduler.stopRole, 'stop'],
    ] as const) {
      expect(granting(statementsOf(template, stack, role), 'sts:AssumeRole')).toEqual([
        expect.objectContaining({
          Resource: ACCOUNTS.map((a) => `arn:aws:iam::${a}:role/scheduler.spoke-${action}`),
        }),
      ]);
    }
  });
});

describe("a hub's dashboard", () => {
  const body = (template: Template) =>
    JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);

  test('shows failed instances per target account and Region', () => {
    const { template } = hub({ dashboard: true });
    expect(body(template)).toContain('Failed instances per target (account, Region)');
    expect(body(template)).toContain("SEARCH('{Ec2Scheduler,Account,Action,Region} MetricName=");
  });

  test('a single-account dashboard has no such row', () => {
    const stack = testStack('Single');
    new Ec2Scheduler(stack, 'Scheduler', { dashboard: true }).addSchedule('office-hours', {
      start: WEEKDAYS_8,
      stop: WEEKDAYS_17,
    });
    expect(body(Template.fromStack(stack))).not.toContain('Account,Action,Region');
  });
});

describe('StackSet options', () => {
  test('delegatedAdministrator creates the StackSet as a delegated administrator', () => {
    const { template } = hub({ delegatedAdministrator: true });
    expect(stackSetOf(template).properties.CallAs).toBe('DELEGATED_ADMIN');
  });

  test("the spoke start role, and only it, may create grants on the hub's encryptionKeys, whose ARNs the StackSet passes in", () => {
    const stack = testStack('Hub');
    const keys = [
      new kms.Key(stack, 'VolumeKey'),
      kms.Key.fromKeyArn(stack, 'Shared', 'arn:aws:kms:us-east-1:444455556666:key/shared'),
    ];
    const { template } = hub({ encryptionKeys: keys }, stack);
    const { properties, body } = stackSetOf(template);
    expect(properties.Parameters).toContainEqual({
      ParameterKey: 'EncryptionKeyArns',
      ParameterValue: {
        'Fn::Join': [
          ',',
          [stack.resolve(keys[0].keyArn), 'arn:aws:kms:us-east-1:444455556666:key/shared'],
        ],
      },
    });
    expect(body.Parameters?.EncryptionKeyArns.Type).toBe('CommaDelimitedList');
    const grantsOf = (action: 'start' | 'stop') =>
      spokeStatements(body, action).filter((s) => actionsOf(s).includes('kms:CreateGrant'));
    expect(grantsOf('stop')).toEqual([]);
    const grants = grantsOf('start');
    expect(grants).toEqual(
      [0, 1].map((i) => ({
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: { 'Fn::Select': [i, { Ref: 'EncryptionKeyArns' }] },
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      })),
    );
  });

  test('without organizationId, the OU condition matches the OUs in any organization, and the spoke trust names none', () => {
    const { stack, scheduler, template } = hub();
    const [, inOus] = granting(
      statementsOf(template, stack, scheduler.startRole),
      'sts:AssumeRole',
    );
    expect(inOus.Condition).toEqual({
      'ForAnyValue:StringLike': {
        'aws:ResourceOrgPaths': ['o-*/*/ou-ab12-cdef3456/*', 'o-*/*/ou-ab12-99998888/*'],
      },
    });
    for (const role of Object.values(rolesByName(stackSetOf(template).body.Resources))) {
      const trust = deployedInSpoke(role.Properties.AssumeRolePolicyDocument) as {
        Statement: Array<{ Condition: object }>;
      };
      expect(Object.keys(trust.Statement[0].Condition)).toEqual(['ArnEquals']);
    }
  });

  test("under the CDK CLI the spoke template has no path metadata, and its app writes nothing into the hub's cloud assembly", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-assembly-'));
    const saved = { outdir: process.env.CDK_OUTDIR, context: process.env.CDK_CONTEXT_JSON };
    process.env.CDK_OUTDIR = outdir;
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:enable-path-metadata': true });
    try {
      const app = new App({ ...NO_BUILTIN_VALIDATION, autoSynth: false });
      const { template } = hub({}, new Stack(app, 'Hub'));
      const { body } = stackSetOf(template);
      expect(Object.values(body.Resources).map((r) => Object.keys(r))).toEqual(
        Array.from({ length: SPOKE_TEMPLATE_RESOURCES }, () => ['Type', 'Properties']),
      );
      expect(fs.readdirSync(outdir).filter((f) => f.includes('Spoke'))).toEqual([]);
    } finally {
      for (const [name, value] of [
        ['CDK_OUTDIR', saved.outdir],
        ['CDK_CONTEXT_JSON', saved.context],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test.each([
    ['start', ['Schedule:last-action']],
    ['stop', ['Schedule:size', 'Schedule:last-action']],
  ] as const)(
    "the spoke %s role may scale only the Auto Scaling groups and EKS node groups tagged with one of the hub's schedules, writing the size and audit tags only",
    (action, keys) => {
      const { body } = stackSetOf(hub().template);
      const roleId = Object.entries(body.Resources).find(
        ([, r]) => r.Properties.RoleName === `ec2-scheduler-spoke-${action}`,
      )![0];
      const statements = Object.values(body.Resources)
        .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
        .filter((r) => JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap(
          (r) => (r.Properties.PolicyDocument as { Statement: TemplateStatement[] }).Statement,
        );
      const names = ['office-hours', 'evening-stop'];
      const title = action === 'start' ? 'Start' : 'Stop';
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Sid: `${title}ScheduledAutoScalingGroups`,
            Action: ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:CreateOrUpdateTags'],
            Condition: {
              StringEquals: { 'autoscaling:ResourceTag/Schedule': names },
              'ForAllValues:StringEquals': { 'aws:TagKeys': keys },
            },
          }),
          expect.objectContaining({
            Sid: `${title}ScheduledNodegroups`,
            Action: ['eks:UpdateNodegroupConfig', 'eks:TagResource'],
            Condition: {
              StringEquals: { 'aws:ResourceTag/Schedule': names },
              'ForAllValues:StringEquals': { 'aws:TagKeys': keys },
            },
          }),
          expect.objectContaining({ Action: 'tag:GetResources', Resource: '*' }),
        ]),
      );
      const actions = statements.flatMap(actionsOf);
      expect(actions).not.toContain('autoscaling:DeleteAutoScalingGroup');
      expect(actions).not.toContain('eks:DeleteNodegroup');
    },
  );

  test("a hub's own function roles get no Auto Scaling or EKS permissions: its runs act in the targets, through the spoke roles", () => {
    const { template } = hub();
    expect(template.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as TemplateStatement[]).flatMap(actionsOf),
    );
    expect(actions.filter((a) => /^(autoscaling|eks|tag):/.test(a))).toEqual([]);
  });

  test('without auditTags the spoke roles may not tag', () => {
    const { body } = stackSetOf(hub({ auditTags: false }).template);
    const start = spokeStatements(body, 'start');
    expect(start.flatMap(actionsOf)).toEqual(['ec2:DescribeInstances', 'ec2:StartInstances']);
    expect(spokeStatements(body, 'stop').flatMap(actionsOf)).toEqual([
      'ec2:DescribeInstances',
      'ec2:StopInstances',
    ]);
    expect(start[1].Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/Schedule': ['office-hours', 'evening-stop'] },
    });
  });
});

describe('Ec2SchedulerSpokeRole, for spokes deployed by your own pipeline', () => {
  function spoke(props: Partial<Ec2SchedulerSpokeRoleProps> = {}) {
    const stack = testStack('Spoke');
    const construct = new Ec2SchedulerSpokeRole(stack, 'Spoke', {
      hubAccount: HUB,
      scheduleNames: ['office-hours', 'evening-stop'],
      ...props,
    });
    return { stack, construct, template: Template.fromStack(stack) };
  }

  test.each(ACTIONS)(
    "its %s role has exactly the statements on instances of the hub's function of that action, in any Region by default",
    (action) => {
      const home = hub();
      const { stack, construct, template } = spoke();
      const withoutResources = (statements: TemplateStatement[]) =>
        statements
          .filter((s) => actionsOf(s).some((a) => a.startsWith('ec2:') || a.startsWith('kms:')))
          .map(({ Resource: _, ...rest }) => rest);
      const fnRole = action === 'start' ? home.scheduler.startRole : home.scheduler.stopRole;
      const functions = withoutResources(statementsOf(home.template, home.stack, fnRole));
      const found = inlineStatements(
        rolesByName(template.toJSON().Resources)[`ec2-scheduler-spoke-${action}`],
      );
      expect(withoutResources(found)).toEqual(functions);
      const act = found.find((s) => s.Sid?.endsWith('ScheduledInstances'));
      expect(deployedValue(act!.Resource)).toBe('arn:aws:ec2:*:111122223333:instance/*');
      expect(construct.roleName).toBe('ec2-scheduler-spoke');
      const exposed = action === 'start' ? construct.startRole : construct.stopRole;
      const { Ref: id } = stack.resolve(exposed.roleName) as { Ref: string };
      expect(template.toJSON().Resources[id].Properties.RoleName).toBe(
        `ec2-scheduler-spoke-${action}`,
      );
    },
  );

  test.each(ACTIONS)(
    'its %s role trusts only the hub role of that action of its roleName, by aws:PrincipalArn, without an organization condition by default',
    (action) => {
      const { template } = spoke({ roleName: 'team-spoke' });
      const role = rolesByName(template.toJSON().Resources)[`team-spoke-${action}`];
      const trust = role.Properties.AssumeRolePolicyDocument as { Statement: unknown[] };
      expect(deployedDocument(trust.Statement)).toEqual(trustOfHub('team-spoke', action));
    },
  );

  test('encryptionKeys and regions narrow the grants', () => {
    const stack = testStack('Spoke');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111122223333:key/k');
    new Ec2SchedulerSpokeRole(stack, 'Spoke', {
      hubAccount: HUB,
      scheduleNames: ['office-hours'],
      tagKey: 'Team',
      encryptionKeys: [key],
      regions: ['eu-west-1'],
    });
    const roles = rolesByName(Template.fromStack(stack).toJSON().Resources);
    const stop = inlineStatements(roles['ec2-scheduler-spoke-stop']);
    expect(granting(stop, 'ec2:StopInstances')).toEqual([
      expect.objectContaining({
        Resource: 'arn:aws:ec2:eu-west-1:111122223333:instance/*',
        Condition: {
          StringEquals: { 'aws:ResourceTag/Team': ['office-hours'] },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['Team:last-action'] },
        },
      }),
    ]);
    expect(granting(stop, 'kms:CreateGrant')).toEqual([]);
    expect(
      granting(inlineStatements(roles['ec2-scheduler-spoke-start']), 'kms:CreateGrant'),
    ).toEqual([expect.objectContaining({ Resource: 'arn:aws:kms:eu-west-1:111122223333:key/k' })]);
  });

  test.each<[string, Partial<Ec2SchedulerSpokeRoleProps>, string]>([
    [
      'a hub account that is not 12 digits',
      { hubAccount: '12345' },
      'hubAccount "12345" is not an AWS account id; account ids are 12 digits, e.g. "111122223333"',
    ],
    [
      'no schedule names',
      { scheduleNames: [] },
      'scheduleNames is empty; give the hub\'s schedule names, e.g. ["office-hours"], so the role may act on instances tagged with them',
    ],
    [
      'a schedule name twice',
      { scheduleNames: ['a', 'a'] },
      'scheduleNames lists "a" twice; list each once',
    ],
    [
      'a role name IAM refuses',
      { roleName: 'spoke role' },
      'roleName "spoke role" is not a valid IAM role name; use letters, digits and + = , . @ _ -',
    ],
    [
      'a malformed organization id',
      { organizationId: 'org-1' },
      'organizationId "org-1" is not an AWS Organizations id; organization ids are "o-" and 10-32 lowercase letters or digits, e.g. "o-a1b2c3d4e5"',
    ],
  ])('rejects %s', (_, props, message) => {
    expect(() => spoke(props)).toThrow(exactly(message));
  });
});

describe('checks on the props', () => {
  const targets = { accounts: ['111122223333'], regions: ['us-east-1'] };
  test.each<[string, Partial<Ec2SchedulerProps>, string]>([
    [
      'an account id that is not 12 digits',
      { targets: { accounts: ['111122223333', '12345'], regions: ['us-east-1'] } },
      'targets.accounts[1] "12345" is not an AWS account id; account ids are 12 digits, e.g. "111122223333"',
    ],
    [
      'an OU id of the wrong form',
      { targets: { organizationalUnitIds: ['ou-12'], regions: ['us-east-1'] } },
      'targets.organizationalUnitIds[0] "ou-12" is not an organizational unit id; OU ids are "ou-", 4-32 lowercase letters or digits, "-" and 8-32 more, e.g. "ou-ab12-cdef3456"',
    ],
    [
      'a malformed Region',
      { targets: { ...targets, regions: ['us-east-1', 'US East'] } },
      'targets.regions[1] "US East" is not a Region name; write Region codes such as "us-east-1" or "eu-central-1"',
    ],
    [
      'no regions at all, as JavaScript allows',
      { targets: { accounts: ['111122223333'] } as unknown as Ec2SchedulerProps['targets'] },
      'targets.regions is missing; give the Regions to act in as a list, e.g. ["us-east-1"]',
    ],
    [
      'regions as a string, not a list',
      { targets: { ...targets, regions: 'us-east-1' as unknown as string[] } },
      'targets.regions is "us-east-1", not a list; give the Regions to act in as a list, e.g. ["us-east-1"]',
    ],
    [
      'no Region',
      { targets: { ...targets, regions: [] } },
      'targets.regions is empty; name at least one Region to act in, e.g. ["us-east-1"]',
    ],
    [
      'neither accounts nor OUs',
      { targets: { accounts: [], regions: ['us-east-1'] } },
      'targets names no account and no organizational unit; give accounts (12-digit account ids) or organizationalUnitIds ("ou-..." ids), or both',
    ],
    [
      'an account listed twice',
      { targets: { ...targets, accounts: ['111122223333', '111122223333'] } },
      'targets.accounts lists "111122223333" twice; list each once',
    ],
    [
      'a Region listed twice',
      { targets: { ...targets, regions: ['eu-west-1', 'eu-west-1'] } },
      'targets.regions lists "eu-west-1" twice; list each once',
    ],
    [
      'a spokeRoleName IAM refuses',
      { targets, spokeRoleName: 'spoke/role' },
      'spokeRoleName "spoke/role" is not a valid IAM role name; use letters, digits and + = , . @ _ -',
    ],
    [
      "a spokeRoleName that leaves no room for the hub's role names",
      { targets, spokeRoleName: 's'.repeat(55) },
      `spokeRoleName "${'s'.repeat(55)}" is 55 characters long; the hub's function roles are named "${'s'.repeat(55)}-hub-start" and "${'s'.repeat(55)}-hub-stop" (the spoke roles "${'s'.repeat(55)}-start" and "${'s'.repeat(55)}-stop"), which must fit IAM's 64, so use at most 54 characters`,
    ],
    [
      'a malformed organizationId',
      { targets, organizationId: 'o-123' },
      'organizationId "o-123" is not an AWS Organizations id; organization ids are "o-" and 10-32 lowercase letters or digits, e.g. "o-a1b2c3d4e5"',
    ],
    [
      'spokeRoleName without targets',
      { spokeRoleName: 'spoke' },
      'spokeRoleName only apply with targets (a hub acting in other accounts); give targets as well, or leave it out',
    ],
    [
      'organizationId and delegatedAdministrator without targets',
      { organizationId: ORGANIZATION, delegatedAdministrator: true },
      'organizationId and delegatedAdministrator only apply with targets (a hub acting in other accounts); give targets as well, or leave them out',
    ],
    [
      'delegatedAdministrator without OUs',
      { targets, delegatedAdministrator: true },
      'delegatedAdministrator applies to the spoke StackSet, which is created only for targets.organizationalUnitIds; give organizationalUnitIds, or leave delegatedAdministrator out',
    ],
  ])('rejects %s', (_, props, message) => {
    expect(() => new Ec2Scheduler(testStack(), 'Scheduler', props)).toThrow(exactly(message));
  });

  test("targets that do not fit in Lambda's 4 KB of environment fail synth, naming the variable", () => {
    const stack = testStack();
    const accounts = Array.from({ length: 300 }, (_, i) => String(100000000000 + i));
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
      targets: { accounts, regions: ['us-east-1'] },
    });
    scheduler.addSchedule('office-hours', { stop: WEEKDAYS_17 });
    expect(() => Template.fromStack(stack)).toThrow(
      /environment of Stack\/Scheduler\/StartFunction takes \d+ bytes, over Lambda's limit of 4 KB.*the targets in EC2_SCHEDULER_TARGETS about \d+\. .*fewer listed accounts/,
    );
  });
});

describe('a single-account scheduler shows no trace of many accounts', () => {
  const stack = testStack();
  const scheduler = new Ec2Scheduler(stack, 'Scheduler');
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  const template = Template.fromStack(stack);

  test('no StackSet, no role names, no targets variable, no STS or Organizations permission', () => {
    template.resourceCountIs('AWS::CloudFormation::StackSet', 0);
    expect(scheduler.spokeStackSet).toBeUndefined();
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties).not.toHaveProperty('RoleName');
    }
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain(TARGETS_ENV);
    }
    for (const role of [scheduler.startRole, scheduler.stopRole, scheduler.schedulerRole]) {
      expect(actionsGrantedTo(template, stack, role)).not.toContainEqual(
        expect.stringMatching(/^(sts|organizations):/),
      );
    }
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  test('a spoke role (default Regions, and given Regions) passes with every acknowledgement reasoned', () => {
    const app = new App();
    const stack = new Stack(app, 'Spoke');
    new Ec2SchedulerSpokeRole(stack, 'AnyRegion', { hubAccount: HUB, scheduleNames: ['a'] });
    new Ec2SchedulerSpokeRole(stack, 'TwoRegions', {
      hubAccount: HUB,
      roleName: 'other-spoke',
      scheduleNames: ['a'],
      regions: REGIONS,
    });
    expect(unacknowledgedNagErrors(app)).toEqual([]);
    for (const [id, reason] of acknowledgementsIn(app)) {
      expect({ id, reason }).toEqual({ id, reason: expect.stringMatching(/\w{3,}.*\w{3,}/) });
    }
  });
});
