/**
 * The deployment a function acts for, as the construct writes it into the functions' environment
 * (the tag key, the schedule names, a hub's targets), and the checks of an event against it.
 */
import * as v from 'valibot';
import { ACCOUNT_ID, OU_ID, REGION_NAME } from '../common/aws-ids';
import type { RunTarget } from './event-schema';
import { type Frozen, MalformedEventError, show } from './input-checks';

const ids = (shape: RegExp) => v.array(v.pipe(v.string(), v.regex(shape)));

const targetsConfig = v.object({
  /** Account ids (12 digits). */
  accounts: ids(ACCOUNT_ID),
  /** Organizational unit ids (`ou-...`); their accounts are listed through AWS Organizations. */
  organizationalUnitIds: ids(OU_ID),
  regions: ids(REGION_NAME),
  /** The spoke role's name in every target account. */
  spokeRoleName: v.string(),
});

/** Where a hub's functions act: each account (listed, or found in the OUs) in each Region. */
export type TargetsConfig = Frozen<v.InferOutput<typeof targetsConfig>>;

/** What the stack configured: the only tag key and schedule names a function acts for. */
export interface Deployment {
  readonly tagKey: string;
  readonly schedules: readonly string[];
  /** A hub's targets; absent, the functions act in their own account and Region only. */
  readonly targets?: TargetsConfig;
}

/** The event names this deployment's tag key and one of its schedules, and one of its targets. */
export function checkDeployment(
  event: { readonly tagKey: string; readonly schedule: string; readonly target?: RunTarget },
  deployment: Deployment,
): void {
  const { tagKey, schedule, target } = event;
  if (tagKey !== deployment.tagKey) {
    throw new MalformedEventError(
      `tagKey ${show(tagKey)} is not this scheduler's tag key ${show(deployment.tagKey)}`,
    );
  }
  if (!deployment.schedules.includes(schedule)) {
    const names = deployment.schedules.slice(0, 5).map((n) => show(n));
    const more = deployment.schedules.length > 5 ? ', ...' : '';
    throw new MalformedEventError(
      `schedule ${show(schedule)} is not a schedule of this scheduler (${names.join(', ')}${more})`,
    );
  }
  if (target) checkTarget(target, deployment.targets);
}

function checkTarget(target: RunTarget, targets: TargetsConfig | undefined): void {
  if (!targets) {
    throw new MalformedEventError('target is given, but this scheduler has no targets');
  }
  const accountKnown =
    targets.accounts.includes(target.account) || targets.organizationalUnitIds.length > 0;
  if (!accountKnown || !targets.regions.includes(target.region)) {
    throw new MalformedEventError(`target ${show(target)} is not one of this scheduler's targets`);
  }
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

/**
 * The deployment from the functions' environment, as the construct sets it.
 * @throws Error when the variables are missing or not what the construct writes
 */
export function deploymentFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: { tagKey: string; schedules: string; targets?: string },
): Deployment {
  const tagKey = env[names.tagKey];
  const schedules = v.safeParse(v.array(v.string()), parseJson(env[names.schedules]));
  if (!tagKey || !schedules.success) {
    throw new Error(
      `the function's environment lacks ${names.tagKey} or ${names.schedules} (a JSON list of schedule names); deploy it with the Ec2Scheduler construct, which sets both`,
    );
  }
  const targets = names.targets ? targetsFromEnv(env[names.targets], names.targets) : undefined;
  return { tagKey, schedules: schedules.output, ...(targets ? { targets } : {}) };
}

function targetsFromEnv(value: string | undefined, name: string): TargetsConfig | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = v.safeParse(targetsConfig, parseJson(value));
  if (!parsed.success) {
    throw new Error(
      `the function's environment variable ${name} is not the targets JSON the Ec2Scheduler construct writes; deploy it with the construct`,
    );
  }
  return parsed.output;
}
