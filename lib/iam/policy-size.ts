/**
 * IAM's limits on the size of a role's policies, checked at synth, so that a role IAM would refuse
 * fails `cdk synth` with the cause instead of the deployment (or, for a StackSet, every target
 * account). Figures from the IAM User Guide, "IAM and AWS STS quotas" (character limits):
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { partitionOfRegion } from './partitions';

/** A role's inline policies together: 10,240 characters (IAM does not count whitespace). */
export const ROLE_INLINE_POLICIES_LIMIT = 10_240;
/** One managed policy (CDK moves a role's statements into these beyond 10,000 characters). */
export const MANAGED_POLICY_LIMIT = 6_144;

/** A resource attribute (a function's, queue's, log group's or key's ARN), counted at this length. */
const RESOURCE_VALUE_LENGTH = 200;

const longest = (values: readonly string[]) =>
  values.reduce((a, b) => (b.length > a.length ? b : a), '');

/**
 * Values known only at deploy, at their longest plausible: the longest partition and Region name
 * aws-cdk-lib knows (`aws-us-gov`, `us-isof-south-1`), a 12-digit account.
 */
const PSEUDO: Record<string, string> = {
  'AWS::Partition': longest(RegionInfo.regions.map((r) => r.partition ?? '')),
  'AWS::Region': longest(RegionInfo.regions.map((r) => r.name)),
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': longest(RegionInfo.regions.map((r) => r.domainSuffix ?? '')),
  'AWS::StackName': 's'.repeat(128),
};

/**
 * What to count a template's parameters (a `Ref` to one) as, e.g. a 12-digit account id; may also
 * give the stack's own pseudo parameters when they are known.
 */
type ParameterValues = Readonly<Record<string, string>>;

/**
 * A resolved template value as deployed, with every value known only at deploy at its longest
 * plausible: what IAM will count.
 */
function deployedForm(value: unknown, parameters: ParameterValues = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => deployedForm(v, parameters));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [fn, args] = entries[0] ?? [];
  if (entries.length !== 1 || !(fn === 'Ref' || fn.startsWith('Fn::'))) {
    return Object.fromEntries(entries.map(([k, v]) => [k, deployedForm(v, parameters)]));
  }
  if (fn === 'Ref' && typeof args === 'string') {
    return parameters[args] ?? PSEUDO[args] ?? 'r'.repeat(RESOURCE_VALUE_LENGTH);
  }
  if (fn === 'Fn::Join' && Array.isArray(args) && Array.isArray(args[1])) {
    return (args[1] as unknown[]).map((p) => String(deployedForm(p, parameters))).join(args[0]);
  }
  if (fn === 'Fn::Split' && Array.isArray(args)) {
    return String(deployedForm(args[1], parameters)).split(String(args[0]));
  }
  if (fn === 'Fn::Select' && Array.isArray(args)) {
    const list = deployedForm(args[1], parameters);
    if (Array.isArray(list)) return list[Number(args[0])];
  }
  return 'r'.repeat(RESOURCE_VALUE_LENGTH);
}

/** The characters IAM counts in a policy document: its JSON without whitespace between tokens. */
function policyLength(document: unknown, parameters: ParameterValues = {}): number {
  return JSON.stringify(deployedForm(document, parameters)).length;
}

/** One statement's share of a document, for saying what takes the room. */
interface StatementShare {
  readonly name: string;
  readonly length: number;
}

function statementShares(documents: readonly unknown[], parameters: ParameterValues) {
  return documents
    .flatMap((d) => (d as { Statement?: unknown[] }).Statement ?? [])
    .map((s): StatementShare => {
      const statement = s as { Sid?: string; Action?: string | string[] };
      const name = statement.Sid ?? [statement.Action ?? []].flat().join(',');
      return { name, length: policyLength(s, parameters) + 1 };
    })
    .sort((a, b) => b.length - a.length);
}

/** How often each of `names` appears as a condition value, and the characters they take. */
function namesShare(documents: readonly unknown[], names: readonly string[]) {
  const wanted = new Set(names);
  let length = 0;
  let count = 0;
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && wanted.has(value)) {
      count++;
      length += JSON.stringify(value).length + 1;
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  documents.forEach(visit);
  return { length, count };
}

/** What a size check needs to know of the role. */
interface PolicySizeSubject {
  /** How the message names the role, e.g. `the start function's role (Stack/Scheduler/StartRole)`. */
  readonly what: string;
  /** The schedule names in the role's conditions. */
  readonly scheduleNames: readonly string[];
  readonly parameters?: ParameterValues;
}

/**
 * The error, if any, for policy documents that together exceed `limit`: the size, the limit, what
 * takes the room (the schedule names, the largest statement) and the fix.
 */
function policySizeError(
  subject: PolicySizeSubject,
  documents: readonly unknown[],
  limit: number,
  kind: string,
): string | undefined {
  const parameters = subject.parameters ?? {};
  const total = documents.reduce<number>((n, d) => n + policyLength(d, parameters), 0);
  if (total <= limit) return undefined;
  const names = namesShare(documents, subject.scheduleNames);
  const [largest] = statementShares(documents, parameters);
  const room = [
    ...(names.count > 0
      ? [
          `the schedule names take ${names.length} of them (${subject.scheduleNames.length} names, ${names.count} values)`,
        ]
      : []),
    ...(largest ? [`the largest statement, ${largest.name}, takes ${largest.length}`] : []),
  ];
  return (
    `${subject.what} would have ${total} characters of ${kind}, over IAM's limit of ${limit} ` +
    `(whitespace not counted; values known only at deploy counted at their longest): ${room.join('; ')}. ` +
    'Use fewer or shorter schedule names or fewer listed accounts (an organizational unit stands for all its accounts), ' +
    'or split the schedules or targets over several Ec2Scheduler constructs'
  );
}

/** The stack's `type` resources whose `Roles` name `role`: their paths and resolved documents. */
function attachedDocuments(role: iam.Role, type: string): { path: string; document: unknown }[] {
  const stack = Stack.of(role);
  const ref = JSON.stringify(stack.resolve(role.roleName));
  return stack.node
    .findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === type)
    .filter((c) => {
      const roles = stack.resolve((c as unknown as { roles?: unknown }).roles) as unknown;
      return Array.isArray(roles) && roles.some((r) => JSON.stringify(r) === ref);
    })
    .map((c) => ({
      path: c.node.scope?.node.path ?? c.node.path,
      document: stack.resolve((c as unknown as { policyDocument: unknown }).policyDocument),
    }));
}

/** The role's own inline policies (`Policies` of the role resource), resolved. */
function ownDocuments(role: iam.Role): unknown[] {
  const cfn = role.node.defaultChild as iam.CfnRole;
  const policies = Stack.of(role).resolve(cfn.policies) as
    Array<{ policyDocument?: unknown; PolicyDocument?: unknown }> | undefined;
  return (policies ?? []).map((p) => p.policyDocument ?? p.PolicyDocument);
}

/**
 * The errors for `addValidation`: the role's inline policies (its own and every `AWS::IAM::Policy`
 * attached to it) over 10,240 characters together, or a managed policy attached to it over 6,144.
 */
function rolePolicySizeErrors(
  role: iam.Role,
  subject: Omit<PolicySizeSubject, 'what'> & { readonly what?: string },
): string[] {
  const what = subject.what ?? roleLabel(role);
  const named = { ...subject, what, parameters: { ...knownPseudo(role), ...subject.parameters } };
  const attached = attachedDocuments(role, 'AWS::IAM::Policy').map((p) => p.document);
  const inline = [...ownDocuments(role), ...attached];
  const errors = [
    policySizeError(named, inline, ROLE_INLINE_POLICIES_LIMIT, 'inline policy (all together)'),
    // CDK moves statements beyond 10,000 characters into managed policies of the role's own.
    ...attachedDocuments(role, 'AWS::IAM::ManagedPolicy').map(({ path, document }) =>
      policySizeError(named, [document], MANAGED_POLICY_LIMIT, `managed policy ${path}`),
    ),
  ];
  return errors.filter((e): e is string => e !== undefined);
}

/** Checks the role's policy sizes at synth (after CDK has moved statements into managed policies). */
export function checkRolePolicySize(
  role: iam.Role,
  scheduleNames: () => readonly string[],
  what?: string,
): void {
  role.node.addValidation({
    validate: () => rolePolicySizeErrors(role, { scheduleNames: scheduleNames(), what }),
  });
}

/** The stack's partition and Region, when its Region is known: then they count as they are. */
function knownPseudo(role: iam.Role): ParameterValues {
  const { region } = Stack.of(role);
  if (Token.isUnresolved(region)) return {};
  return { 'AWS::Region': region, 'AWS::Partition': partitionOfRegion(region) };
}

function roleLabel(role: iam.Role): string {
  const name = (role.node.defaultChild as iam.CfnRole).roleName;
  return name !== undefined && !Token.isUnresolved(name)
    ? `role "${name}" (${role.node.path})`
    : `role ${role.node.path}`;
}
