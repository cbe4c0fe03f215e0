/**
 * Shared helpers for the construct tests: a fast test app and readers for the IAM policies that
 * a synthesized template attaches to one role.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * A stack in an app that skips CDK's built-in CloudFormation validation (it adds seconds per
 * synth and checks nothing these tests rely on). Not for the cdk-nag tests: build a plain `App`.
 */
export function testStack(id = 'Stack'): Stack {
  const app = new App({ builtinCloudFormationValidation: false });
  return new Stack(app, id);
}

/** One statement of an IAM policy document, as it appears in a template. */
export interface TemplateStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every `AWS::IAM::Policy` attached to `role` in `template`. */
export function statementsOf(
  template: Template,
  stack: Stack,
  role: iam.IRole,
): TemplateStatement[] {
  const roleRef = JSON.stringify(stack.resolve(role.roleName));
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
    Properties: { Roles?: unknown[]; PolicyDocument: { Statement: TemplateStatement[] } };
  }>;
  return policies
    .filter((p) => (p.Properties.Roles ?? []).some((r) => JSON.stringify(r) === roleRef))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** The actions of a statement, always as an array. */
export function actionsOf(statement: TemplateStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every action granted to `role` in `template`. */
export function actionsGrantedTo(template: Template, stack: Stack, role: iam.IRole): string[] {
  return statementsOf(template, stack, role).flatMap(actionsOf);
}

/** The ARN of `arn:<partition>:ec2:<region>:<account>:instance/*` as the template renders it. */
export const ANY_INSTANCE_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ec2:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':instance/*',
    ],
  ],
};

/** Escapes `text` and anchors it, for `toThrow(exactly('...'))`. */
export function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
}

/** cdk-nag AWS Solutions errors that no acknowledgement covers, as "rule at path" lines. */
export function unacknowledgedNagErrors(app: App): string[] {
  return new AwsSolutionsChecks(app)
    .validateScope(app)
    .violations.filter((v) => v.severity === 'error')
    .map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}
