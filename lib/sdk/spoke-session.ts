/**
 * Acting in a hub's target account: a spoke role's credentials through STS AssumeRole. Shared
 * by the functions (a hub's runs) and the CLI (`--account`); never imported by the construct,
 * whose users do not install the SDK (see spoke-arn.ts for the names).
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, HttpHandlerOptions } from '@smithy/types';

/**
 * The credentials of a session of `roleArn`.
 * @param options the call's options: the functions bind it to the run's deadline
 * @throws the SDK's error of the call, or Error when STS returned no credentials
 */
export async function assumeSpokeRole(
  sts: STSClient,
  roleArn: string,
  sessionName: string,
  options?: HttpHandlerOptions,
): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }),
    options,
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
