/**
 * The spoke role's default name and ARN, which the construct, the functions and the CLI agree on.
 * Pure (no CDK, no SDK): the construct's compiled code must not require the SDK.
 */
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
