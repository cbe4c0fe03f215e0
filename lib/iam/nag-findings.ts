/**
 * cdk-nag's AwsSolutions-IAM5 finding ids for the wildcard resources of a policy statement, in the
 * form cdk-nag reports them for the stack at hand, so an acknowledgement matches whatever the
 * stack resolves: `arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*` in an
 * environment-agnostic stack, `arn:<AWS::Partition>:ec2:eu-central-1:999988887777:instance/*` in
 * one with an explicit `env`.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges, on `scope` (a role), cdk-nag's AwsSolutions-IAM5 finding for each resource of
 * `statement` that holds a wildcard, with `reason`.
 */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  statement: iam.PolicyStatement,
  reason: string,
): void {
  const stack = Stack.of(scope);
  const ids = new Set(
    statement.resources
      .map((resource) => flattenReference(stack.resolve(resource)))
      .filter((resource) => resource.includes('*'))
      .map((resource) => `AwsSolutions-IAM5[Resource::${resource}]`),
  );
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/**
 * A resolved template value as one string, as cdk-nag 3 writes it into finding ids
 * (`flattenCfnReference` in cdk-nag's `utils/flatten-cfn-reference`): `Fn::Join` joined, `Ref` as
 * `<Name>`, `Fn::GetAtt` as `<Resource.Attribute>`, `${...}` of `Fn::Sub` as `<...>`. cdk-nag is
 * not a dependency of this library, so the rule is restated here; a test compares it with cdk-nag's
 * own findings.
 */
export function flattenReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = value as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (node['Fn::Sub'] !== undefined) return flattenReference(node['Fn::Sub']);
  if (Array.isArray(node['Fn::GetAtt'])) {
    const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (node['Fn::ImportValue'] !== undefined) return flattenReference(node['Fn::ImportValue']);
  if (node.Ref !== undefined) return `<${flattenReference(node.Ref)}>`;
  return JSON.stringify(value);
}
