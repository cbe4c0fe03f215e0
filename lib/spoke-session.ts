/**
 * Acting in a hub's target account: the spoke role's ARN and its credentials through STS
 * AssumeRole. Shared by the functions (a hub's runs) and the CLI (`--account`); no CDK imports.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { partitionOf } from './partition';

/** The spoke role's name unless `spokeRoleName` (or `--role-name`) says otherwise. */
export const DEFAULT_SPOKE_ROLE_NAME = 'ec2-scheduler-spoke';

/** The ARN of the spoke role `roleName` in `account`, in the partition of `region`. */
export function spokeRoleArn(
  account: string,
  region: string | undefined,
  roleName: string,
): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;
}

/**
 * The credentials of a session of `roleArn`.
 * @throws the SDK's error of the call, or Error when STS returned no credentials
 */
export async function assumeSpokeRole(
  sts: STSClient,
  roleArn: string,
  sessionName: string,
): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}
