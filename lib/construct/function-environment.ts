/**
 * What the start and stop functions learn from their environment: the deployment's tag key and
 * schedule names, so they reject events that name others before any API call, and a hub's targets.
 */
import { Lazy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DEPLOYMENT_ENV, TARGETS_ENV } from '../contract/schedule-input';
import { targetsConfig, type ResolvedTargets } from '../hub/targets';

/** Lambda's limit on a function's environment variables, names and values together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * The variables naming the deployment. The schedule names are rendered at synth, so schedules
 * added after the functions are included.
 */
export function deploymentEnvironment(
  tagKey: string,
  scheduleNames: () => string[],
): Record<string, string> {
  return {
    [DEPLOYMENT_ENV.tagKey]: tagKey,
    [DEPLOYMENT_ENV.schedules]: Lazy.string({ produce: () => JSON.stringify(scheduleNames()) }),
  };
}

/**
 * A resource's name or attribute known only at deploy (the deduplication table's `Ref`) counts at
 * the longest it can be: 255 characters, DynamoDB's longest table name. Other intrinsics (a
 * `Fn::Join` of tokens) count as written, about their deployed length.
 */
const UNRESOLVED_VALUE_BYTES = 255;

function deployedAtLongest(_key: string, value: unknown): unknown {
  const only = value && typeof value === 'object' ? Object.keys(value) : [];
  return only.length === 1 && (only[0] === 'Ref' || only[0] === 'Fn::GetAtt')
    ? 'x'.repeat(UNRESOLVED_VALUE_BYTES)
    : value;
}

/** Errors for `addValidation` when the function's environment exceeds Lambda's limit. */
export function environmentSizeErrors(fn: lambda.Function): string[] {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const environment = Stack.of(fn).resolve(cfn.environment) as
    { variables?: Record<string, unknown> } | undefined;
  const variables = environment?.variables ?? {};
  const bytes = Buffer.byteLength(JSON.stringify(variables, deployedAtLongest));
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
  const names = Buffer.byteLength(String(variables[DEPLOYMENT_ENV.schedules] ?? ''));
  if (variables[TARGETS_ENV] === undefined) {
    return [
      `the environment of ${fn.node.path} takes ${bytes} bytes, over Lambda's limit of 4 KB (${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes) for all variables together; the schedule names in ${DEPLOYMENT_ENV.schedules} take ${names} of them. Use fewer or shorter schedule names, or spread the schedules over several Ec2Scheduler constructs`,
    ];
  }
  const targets = Buffer.byteLength(JSON.stringify(variables[TARGETS_ENV]));
  return [
    `the environment of ${fn.node.path} takes ${bytes} bytes, over Lambda's limit of 4 KB (${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes) for all variables together; the schedule names in ${DEPLOYMENT_ENV.schedules} take ${names} of them and the targets in ${TARGETS_ENV} about ${targets}. Use fewer or shorter schedule names, fewer listed accounts (an organizational unit stands for all its accounts), or spread the schedules or targets over several Ec2Scheduler constructs`,
  ];
}

/** With `targets`, the variable that names them (a JSON `TargetsConfig`); none without. */
export function targetsEnvironment(
  scope: Construct,
  targets: ResolvedTargets | undefined,
): Record<string, string> {
  return targets ? { [TARGETS_ENV]: Stack.of(scope).toJsonString(targetsConfig(targets)) } : {};
}
