/**
 * The start function and the stop function of an Ec2Scheduler, each with its own log group and
 * least-privilege role: describe on `*` (EC2 scopes it no further), start or stop and the audit
 * tag only on instances whose schedule tag names one of the scheduler's schedules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Lazy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { deduplicationEnvironment, grantDeduplication } from './deduplication-table';
import type { ScheduleAction } from '../contract/schedule-input';
import { findInstancesStatement, transitionStatement } from '../iam/instance-statements';
import { acknowledgeWildcardResources } from '../iam/nag-findings';
import { checkRolePolicySize } from '../iam/policy-size';
import {
  deploymentEnvironment,
  environmentSizeErrors,
  targetsEnvironment,
} from './function-environment';
import type { ResolvedProps } from './resolve-props';
import { hubRoleNames } from '../hub/targets';
import { grantGroups, grantNodegroups } from '../iam/group-policies';

/** Where the prebuilt handler bundles are, from `lib/construct/` (source) or `dist/lib/construct/` (package). */
const HANDLER_BUNDLES = ['../../assets', '../../../assets'];

export interface SchedulerFunctionOptions {
  readonly props: ResolvedProps;
  readonly logGroupName: string;
  readonly logKey: kms.IKey;
  /** The scheduler's schedule names, read at synth so later schedules are included. */
  readonly scheduleNames: () => string[];
  readonly deadLetterQueue: sqs.IQueue;
  /** Empty outside a VPC. */
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /** Where the function records each event's run; none with `deduplication: false`. */
  readonly deduplicationTable?: dynamodb.Table;
}

/** What {@link createSchedulerFunction} creates. */
export interface SchedulerFunction {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * Creates the function for `action` in `scope`, with the construct ids `<Start|Stop>LogGroup`,
 * `...Role`, `...Function` and `...FollowUpPolicy` (stable: they name deployed resources).
 */
export function createSchedulerFunction(
  scope: Construct,
  action: ScheduleAction,
  options: SchedulerFunctionOptions,
): SchedulerFunction {
  const { props } = options;
  const title = action === 'start' ? 'Start' : 'Stop';
  const logGroup = new logs.LogGroup(scope, `${title}LogGroup`, {
    logGroupName: options.logGroupName,
    encryptionKey: options.logKey,
    retention: props.logRetention,
    removalPolicy: props.logRemovalPolicy,
  });
  const role = createRole(scope, action, options, logGroup);
  const fn = new lambda.Function(scope, `${title}Function`, {
    description: `Starts or stops EC2 instances tagged ${props.tagKey}=<schedule> (${action})`,
    runtime: props.runtime,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(handlerBundle(action)),
    role,
    logGroup,
    memorySize: 256,
    timeout: props.timeout,
    deadLetterQueue: options.deadLetterQueue,
    // No re-run of a failed run: it retries calls itself, hands what is left to a follow-up,
    // and only a chain's last run fails; a re-run would repeat its report or start a 2nd chain.
    retryAttempts: 0,
    recursiveLoop: lambda.RecursiveLoop.ALLOW,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: props.vpc ? [...options.securityGroups] : undefined,
    environment: {
      POWERTOOLS_SERVICE_NAME: 'ec2-scheduler',
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      ...deploymentEnvironment(props.tagKey, options.scheduleNames),
      ...targetsEnvironment(scope, props.targets),
      ...deduplicationEnvironment(options.deduplicationTable),
    },
  });
  fn.node.addValidation({ validate: () => environmentSizeErrors(fn) });
  // The run hands what it cannot finish in time to a follow-up run of itself. A separate
  // policy (not the role's default policy, which the function depends on) avoids a cycle.
  new iam.Policy(scope, `${title}FollowUpPolicy`, {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'InvokeFollowUpRun',
        actions: ['lambda:InvokeFunction'],
        resources: [fn.functionArn],
      }),
    ],
  });
  acknowledgeFindings(role, fn, props);
  return { fn, role, logGroup };
}

function createRole(
  scope: Construct,
  action: ScheduleAction,
  options: SchedulerFunctionOptions,
  logGroup: logs.LogGroup,
): iam.Role {
  const { tagKey } = options.props;
  const role = new iam.Role(scope, `${action === 'start' ? 'Start' : 'Stop'}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    // A hub's roles have fixed names: the spoke roles trust them by ARN (see lib/hub/targets.ts).
    roleName: options.props.targets && hubRoleNames(options.props.targets.spokeRoleName)[action],
    description: `Lets the ${action} function ${action} EC2 instances that carry the ${tagKey} tag of one of its schedules`,
  });
  logGroup.grantWrite(role);
  const instances = {
    scope,
    tagKey,
    scheduleNames: Lazy.list({ produce: options.scheduleNames }),
    auditTags: options.props.auditTags,
  };
  const transition = transitionStatement(action, instances);
  const statements = [findInstancesStatement(), transition];
  if (options.props.vpc) statements.push(attachToVpc());
  for (const statement of statements) role.addToPrincipalPolicy(statement);
  acknowledgeWildcardResources(
    role,
    transition,
    `ec2:${action === 'start' ? 'Start' : 'Stop'}Instances${options.props.auditTags ? ' (and ec2:CreateTags, for the audit tag key only)' : ''} is on instance/* only under the condition aws:ResourceTag/${tagKey} equals one of this scheduler's schedule names.`,
  );
  // A hub's functions act in its targets only, through the spoke roles, which get these instead.
  if (!options.props.targets) {
    const grantee = { role, description: `the ${action} function`, names: "this scheduler's" };
    grantGroups(scope, grantee, action, instances);
    grantNodegroups(scope, grantee, action, instances);
  }
  if (options.deduplicationTable) grantDeduplication(role, options.deduplicationTable);
  checkRolePolicySize(
    role,
    options.scheduleNames,
    `the ${action} function's role (${role.node.path})`,
  );
  return role;
}

/**
 * What Lambda needs to attach the function to the VPC (AWSLambdaVPCAccessExecutionRole, which a
 * managed policy would grant). EC2 scopes none of it usefully: DescribeNetworkInterfaces and
 * DescribeSubnets take only *, and the interfaces are created and named by Lambda.
 */
function attachToVpc(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AttachToTheVpc',
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  });
}

/** The functions' security group in a VPC: outbound HTTPS (to the AWS APIs the functions call) only. */
export function createFunctionSecurityGroup(scope: Construct, vpc: ec2.IVpc): ec2.SecurityGroup {
  const securityGroup = new ec2.SecurityGroup(scope, 'FunctionSecurityGroup', {
    vpc,
    description: 'Start and stop functions of an Ec2Scheduler: outbound HTTPS only',
    allowAllOutbound: false,
  });
  securityGroup.addEgressRule(
    ec2.Peer.anyIpv4(),
    ec2.Port.tcp(443),
    'HTTPS to the EC2, Lambda, Auto Scaling, EKS and Tagging APIs (through a NAT gateway or VPC endpoints)',
  );
  return securityGroup;
}

/**
 * The cdk-nag and Control Tower findings these resources carry by design, with the reasons (the
 * transition statement's, on instance ARNs, are acknowledged where the statement is made).
 */
function acknowledgeFindings(role: iam.Role, fn: lambda.Function, props: ResolvedProps): void {
  const organizations = props.targets?.organizationalUnitIds.length
    ? ' organizations:ListAccountsForParent and organizations:ListChildren (read-only) walk the target OUs and their child OUs, found at run time; an OU ARN also names the management account and organization id.'
    : '';
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      (props.vpc
        ? 'ec2:DescribeInstances supports no resource-level permissions; it can only be granted on *. The same holds for ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, and the network interfaces Lambda creates in the VPC for the function have no ARN known in advance.'
        : 'ec2:DescribeInstances supports no resource-level permissions; it can only be granted on *.') +
      organizations,
  });
  if (!props.vpc) {
    Validations.of(fn).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason:
        'CT.LAMBDA.PR.3: the function serves no inbound traffic and calls only AWS APIs (EC2, Auto Scaling, EKS, the Resource Groups Tagging API, and Lambda for its follow-up runs) over TLS with IAM-signed requests. A VPC would add NAT gateway or interface endpoint cost and no isolation for these calls. Where the control is enforced, pass vpc (and a route to those APIs).',
    });
  }
}

function handlerBundle(action: ScheduleAction): string {
  for (const candidate of HANDLER_BUNDLES) {
    const dir = path.join(__dirname, candidate, action);
    if (fs.existsSync(path.join(dir, 'index.js'))) return dir;
  }
  throw new Error(
    `cdk-ec2-scheduler: the ${action} handler bundle is missing (looked for assets/${action}/index.js); run "npm run bundle" in the package`,
  );
}
