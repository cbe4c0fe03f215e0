/**
 * The spoke roles' names and ARNs, which the construct, the functions and the CLI agree on: in
 * each target account one role per action, `<spokeRoleName>-start` and `<spokeRoleName>-stop`, so
 * the hub's start function can never stop an instance there, nor its stop function start one.
 * Pure (no CDK, no SDK): the construct's compiled code must not require the SDK.
 */
import { partitionOf } from '../common/partition';
import type { ScheduleAction } from './schedule-input';

/** The spoke roles' base name unless `spokeRoleName` says otherwise. */
export const DEFAULT_SPOKE_ROLE_NAME = 'ec2-scheduler-spoke';

/** The spoke role that the hub's function for `action` assumes: `<spokeRoleName>-<action>`. */
export function spokeRoleNameFor(spokeRoleName: string, action: ScheduleAction): string {
  return `${spokeRoleName}-${action}`;
}

/** The ARN of the role `roleName` in `account`, in the partition of `region`. */
export function spokeRoleArn(
  account: string,
  region: string | undefined,
  roleName: string,
): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;
}
