/**
 * Acting in a hub's target account: the spoke role's credentials through STS AssumeRole. Shared
 * by the functions (a hub's runs) and the CLI (`--account`); never imported by the construct,
 * whose users do not install the SDK (see spoke-arn.ts for the names).
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

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
