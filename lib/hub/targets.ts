/**
 * A hub's targets checked, with the names a hub and its spokes agree on: the spoke roles' base
 * name and the fixed names of the hub's function roles, which the spoke roles trust. Shared by
 * the hub construct and `Ec2SchedulerSpokeRole`.
 */
import { Token } from 'aws-cdk-lib';
import type { HubSettings } from './targets-props';
import type { ScheduleAction, TargetsConfig } from '../contract/schedule-input';
import { ACCOUNT_ID, OU_ID, ROLE_NAME } from '../common/aws-ids';
import { validateRegionNames } from './regions';
import { DEFAULT_SPOKE_ROLE_NAME, spokeRoleNameFor } from '../contract/spoke-arn';

export { DEFAULT_SPOKE_ROLE_NAME };

/**
 * IAM's limit on role names, less the longest suffix derived from the base name (`-hub-start`;
 * the spoke roles' `-start` and `-stop` are shorter).
 */
const MAX_SPOKE_ROLE_NAME = 64 - '-hub-start'.length;

/** A hub's settings, checked: what the functions are told, and how the spokes are rolled out. */
export interface ResolvedTargets extends TargetsConfig {
  readonly organizationId?: string;
  readonly delegatedAdministrator: boolean;
}

/**
 * The fixed names of a hub's start and stop function roles. Fixed, so that a spoke role, deployed
 * before or apart from the hub, can trust them by ARN.
 */
export function hubRoleNames(spokeRoleName: string): Record<ScheduleAction, string> {
  return { start: `${spokeRoleName}-hub-start`, stop: `${spokeRoleName}-hub-stop` };
}

/** @throws Error when props that only apply with `targets` are given without it */
function checkNoHubProps(props: HubSettings): void {
  const given = (['spokeRoleName', 'organizationId', 'delegatedAdministrator'] as const).filter(
    (name) => props[name] !== undefined,
  );
  if (given.length > 0) {
    throw new Error(
      `${given.join(' and ')} only apply with targets (a hub acting in other accounts); give targets as well, or leave ${given.length > 1 ? 'them' : 'it'} out`,
    );
  }
}

/**
 * Checks `targets` and the props that only apply with it; undefined without `targets`.
 * @throws Error naming the field, the value and the fix
 */
export function resolveTargets(props: HubSettings): ResolvedTargets | undefined {
  const { targets } = props;
  if (!targets) {
    checkNoHubProps(props);
    return undefined;
  }
  // From JavaScript anything may come, the required regions left out included.
  const accounts = listOf(
    'targets.accounts',
    targets.accounts ?? [],
    'account ids',
    '111122223333',
  );
  const ous = targets.organizationalUnitIds ?? [];
  const organizationalUnitIds = listOf(
    'targets.organizationalUnitIds',
    ous,
    'OU ids',
    'ou-ab12-cdef3456',
  );
  const regions = listOf('targets.regions', targets.regions, 'the Regions to act in', 'us-east-1');
  checkEach('targets.accounts', accounts, validateAccountId);
  checkEach('targets.organizationalUnitIds', organizationalUnitIds, validateOrganizationalUnitId);
  validateRegionNames(
    'targets.regions',
    regions,
    targets.allowUnknownRegions ?? false,
    'targets.allowUnknownRegions',
  );
  if (accounts.length === 0 && organizationalUnitIds.length === 0) {
    throw new Error(
      'targets names no account and no organizational unit; give accounts (12-digit account ids) or organizationalUnitIds ("ou-..." ids), or both',
    );
  }
  if (regions.length === 0) {
    throw new Error(
      'targets.regions is empty; name at least one Region to act in, e.g. ["us-east-1"]',
    );
  }
  if (props.delegatedAdministrator !== undefined && organizationalUnitIds.length === 0) {
    throw new Error(
      'delegatedAdministrator applies to the spoke StackSet, which is created only for targets.organizationalUnitIds; give organizationalUnitIds, or leave delegatedAdministrator out',
    );
  }
  const spokeRoleName = props.spokeRoleName ?? DEFAULT_SPOKE_ROLE_NAME;
  validateSpokeRoleName('spokeRoleName', spokeRoleName);
  if (props.organizationId !== undefined) validateOrganizationId(props.organizationId);
  return {
    accounts,
    organizationalUnitIds,
    regions,
    spokeRoleName,
    organizationId: props.organizationId,
    delegatedAdministrator: props.delegatedAdministrator ?? false,
  };
}

/** What the functions read from {@link TARGETS_ENV}. */
export function targetsConfig(targets: ResolvedTargets): TargetsConfig {
  const { accounts, organizationalUnitIds, regions, spokeRoleName } = targets;
  return { accounts, organizationalUnitIds, regions, spokeRoleName };
}

/** @throws Error unless `account` is 12 digits (tokens pass) */
export function validateAccountId(field: string, account: string): void {
  if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) {
    throw new Error(
      `${field} "${account}" is not an AWS account id; account ids are 12 digits, e.g. "111122223333"`,
    );
  }
}

/** @throws Error unless `name` can be the spoke roles' base name and leaves room for the hub's */
export function validateSpokeRoleName(field: string, name: string): void {
  if (Token.isUnresolved(name)) {
    throw new Error(
      `${field} is an unresolved token; the hub's role names and the spokes' trust are derived from it at synth, so give a literal name such as "${DEFAULT_SPOKE_ROLE_NAME}"`,
    );
  }
  if (!ROLE_NAME.test(name)) {
    throw new Error(
      `${field} "${name}" is not a valid IAM role name; use letters, digits and + = , . @ _ -`,
    );
  }
  if (name.length > MAX_SPOKE_ROLE_NAME) {
    throw new Error(
      `${field} "${name}" is ${name.length} characters long; the hub's function roles are named "${hubRoleNames(name).start}" and "${hubRoleNames(name).stop}" (the spoke roles "${spokeRoleNameFor(name, 'start')}" and "${spokeRoleNameFor(name, 'stop')}"), which must fit IAM's 64, so use at most ${MAX_SPOKE_ROLE_NAME} characters`,
    );
  }
}

/** @throws Error unless `organizationId` is an AWS Organizations id (tokens pass) */
export function validateOrganizationId(organizationId: string): void {
  if (!Token.isUnresolved(organizationId) && !/^o-[a-z0-9]{10,32}$/.test(organizationId)) {
    throw new Error(
      `organizationId "${organizationId}" is not an AWS Organizations id; organization ids are "o-" and 10-32 lowercase letters or digits, e.g. "o-a1b2c3d4e5"`,
    );
  }
}

function validateOrganizationalUnitId(field: string, ou: string): void {
  if (!Token.isUnresolved(ou) && !OU_ID.test(ou)) {
    throw new Error(
      `${field} "${ou}" is not an organizational unit id; OU ids are "ou-", 4-32 lowercase letters or digits, "-" and 8-32 more, e.g. "ou-ab12-cdef3456"`,
    );
  }
}

/**
 * `value` when it is a list.
 * @throws Error naming the field, what it got and the fix
 */
function listOf(field: string, value: unknown, what: string, example: string): string[] {
  if (Array.isArray(value)) return value as string[];
  const got = value === undefined ? 'is missing' : `is ${JSON.stringify(value)}, not a list`;
  throw new Error(`${field} ${got}; give ${what} as a list, e.g. ["${example}"]`);
}

/** Runs `validate` on each value (as `field[i]`) and rejects a value listed twice. */
function checkEach(
  field: string,
  values: readonly string[],
  validate: (field: string, value: string) => void,
): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    validate(`${field}[${i}]`, value);
    if (seen.has(value)) {
      throw new Error(`${field} lists "${value}" twice; list each once`);
    }
    seen.add(value);
  });
}
