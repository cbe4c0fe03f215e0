/**
 * The scheduler's KMS key and what may use it: the functions' log groups (CloudWatch Logs, for
 * these two log groups only) and the alarm topic (see `monitoring.ts`). Every key created here
 * denies grants that are not for AWS resources (Control Tower's CT.KMS.PR.3).
 */
import { Annotations, ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { ScheduleAction } from '../contract/schedule-input';

/**
 * One key by default for the log groups and the alarm topic: a default deployment pays for one
 * key, not two. The id is historical (the key used to encrypt only the topic); keeping it keeps
 * existing deployments' key.
 */
export function createSchedulerKey(scope: Construct): kms.Key {
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'Encrypts the log groups and the alarm topic of an Ec2Scheduler',
    enableKeyRotation: true,
  });
  denyGrantsExceptForAwsResources(key);
  return key;
}

/**
 * Control Tower's CT.KMS.PR.3: nobody may create a grant on `key` unless it is for an AWS resource
 * or the caller is an AWS service. Nothing that uses the scheduler's key creates grants: CloudWatch
 * Logs, CloudWatch and SNS use it directly.
 */
function denyGrantsExceptForAwsResources(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsExceptForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: {
          'kms:GrantIsForAWSResource': 'false',
          'aws:PrincipalIsAWSService': 'false',
        },
      },
    }),
  );
}

/**
 * The functions' log group names. Fixed, so the key policy can name the log groups before they
 * exist; the stack id's first block tells this stack apart from a deleted one whose retained log
 * groups still hold the name.
 */
export function logGroupNames(scope: Construct, prefix: string): Record<ScheduleAction, string> {
  const base = `/ec2-scheduler/${prefix}-${stackIdBlock(scope)}`;
  return { start: `${base}/start`, stop: `${base}/stop` };
}

/**
 * The first block of the stack id's UUID (`arn:...:stack/<name>/<uuid>`): it differs between a
 * stack and an earlier stack of the same name, and is known before any resource exists.
 */
function stackIdBlock(scope: Construct): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Stack.of(scope).stackId))));
}

/**
 * Lets CloudWatch Logs use `key` for the log groups named `names` and no others. Only a key of
 * this stack can be changed here (a key of another stack would need this stack's id); otherwise
 * synth warns with the statement to add.
 */
export function allowLogsToUse(
  scope: Construct,
  key: kms.IKey,
  names: readonly string[],
  prefix: string,
): void {
  const stack = Stack.of(scope);
  const statement = new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsForThisSchedulersLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: [
      'kms:Encrypt*',
      'kms:Decrypt*',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:Describe*',
    ],
    resources: ['*'],
    conditions: {
      ArnEquals: {
        'kms:EncryptionContext:aws:logs:arn': names.map((logGroupName) =>
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: logGroupName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      },
    },
  });
  if (Stack.of(key) !== stack || !key.addToResourcePolicy(statement).statementAdded) {
    Annotations.of(scope).addWarningV2(
      'cdk-ec2-scheduler:logEncryptionKeyPolicy',
      `logEncryptionKey is not a key of this stack, so its key policy is not changed here; it must let logs.<region>.amazonaws.com use it (kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*) with kms:EncryptionContext:aws:logs:arn matching arn:<partition>:logs:<region>:<account>:log-group:/ec2-scheduler/${prefix}-*, or CloudWatch Logs cannot create the log groups`,
    );
  }
}
