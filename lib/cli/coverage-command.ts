/**
 * `cdk-ec2-scheduler coverage`: the instances of the account and Region that are not terminated,
 * in three groups: scheduled (by schedule), tagged with a name that no deployed schedule has (with
 * the closest deployed name as a suggestion), and unscheduled (no schedule tag at all); then the
 * Auto Scaling groups, grouped the same way by their own tag (`coverage-groups.ts`).
 */
import type { Instance } from '@aws-sdk/client-ec2';
import type { Io } from './io';
import {
  listInstances,
  tagOf,
  TARGET_OPTIONS,
  TARGET_USAGE,
  targetOf,
  type TargetFlags,
  withEc2,
} from './cli-ec2';
import { UsageError } from '../common/cli-errors';
import { aligned } from '../common/text-table';
import { closestName } from '../common/closest-name';
import { DeployedSchedules, EMPTY_VALUE, utcSeconds } from './deployed-schedules';
import { listGroups, withGroups } from './cli-groups';
import { groupCoverage, groupCoverageText, type GroupCoverage } from './coverage-groups';

export const COVERAGE_USAGE = `  cdk-ec2-scheduler coverage [CDK_OUT_DIR] [--tag-key KEY] [--json]
                             [--account ACCOUNT [--role-name NAME]] [--region REGION]

  --tag-key         the schedule tag's key (default: the cloud assembly's, else Schedule)
  --json            print JSON instead of text
  CDK_OUT_DIR       the cloud assembly of the deployment: the schedule names it deploys, so that
                    misspelt tag values show (without it, the names are read from the tags)
${TARGET_USAGE}`;

export const COVERAGE_OPTIONS = {
  ...TARGET_OPTIONS,
  'tag-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The flags `coverage` reads. */
export interface CoverageFlags extends TargetFlags {
  readonly 'tag-key'?: string;
  readonly json?: boolean;
}

/** The states `coverage` lists: all but `shutting-down` and `terminated`. */
export const LISTED_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** One instance of `coverage --json`. */
export interface CoveredInstance {
  readonly instanceId: string;
  /** The `Name` tag. */
  readonly name?: string;
  readonly state: string;
}

/** The instances whose schedule tag has one value. */
export interface TagValueGroup {
  /** The tag's value ('' when it is empty). */
  readonly schedule: string;
  readonly count: number;
  readonly instances: CoveredInstance[];
  /** A value no deployed schedule has: the closest deployed name, if one is close enough. */
  readonly suggestion?: string;
  /** Without a cloud assembly: a value close to this one that more instances carry. */
  readonly likelyTypoOf?: string;
}

/** The whole of `coverage --json` (the shape is documented in the README). */
export interface CoverageReport {
  readonly tagKey: string;
  /** The account listed: `--account`, else the instances' owner (absent when none was listed). */
  readonly account?: string;
  readonly region: string;
  /** When the instances were listed (UTC). */
  readonly at: string;
  /** Whether the schedule names come from a cloud assembly; without one, from the tag values. */
  readonly fromAssembly: boolean;
  /** With a cloud assembly: the schedules it deploys for the tag key. */
  readonly deployedSchedules?: string[];
  readonly counts: {
    readonly total: number;
    readonly scheduled: number;
    readonly notDeployed: number;
    readonly unscheduled: number;
  };
  /** By schedule; with a cloud assembly, every deployed schedule, even one no instance carries. */
  readonly scheduled: TagValueGroup[];
  /** Values no deployed schedule has; without a cloud assembly, only the empty value. */
  readonly notDeployed: TagValueGroup[];
  /** The instances without the schedule tag. */
  readonly unscheduled: { readonly count: number; readonly instances: CoveredInstance[] };
  /** The Auto Scaling groups, by their own schedule tag. */
  readonly groups: GroupCoverage;
}

/** Runs `coverage`; returns the exit code. Bad arguments throw UsageError; AWS errors AwsCallError. */
export async function coverageCommand(flags: CoverageFlags, args: readonly string[], io: Io) {
  const [dir, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (flags['tag-key'] === '') throw new UsageError('--tag-key is empty; give a value');
  const schedules = DeployedSchedules.load(dir, flags['tag-key']);
  const now = io.now?.() ?? new Date();
  const target = targetOf(flags);
  const { region, listing, groups } = await withEc2(target, async (ec2, region) => {
    const [listing, groups] = await Promise.all([
      listInstances(ec2, [{ Name: 'instance-state-name', Values: LISTED_STATES }]),
      withGroups(target, region, (c) => listGroups(c.autoScaling, {})),
    ]);
    return { region, listing, groups };
  });
  const account = flags.account ?? listing.ownerId;
  const report = {
    ...coverageOf(listing.instances, schedules, {
      ...(account ? { account } : {}),
      region,
      at: utcSeconds(now),
    }),
    groups: groupCoverage(groups, schedules),
  };
  io.out(flags.json ? JSON.stringify(report, null, 2) : coverageText(report).join('\n'));
  return 0;
}

function covered(instance: Instance): CoveredInstance {
  const name = tagOf(instance, 'Name');
  return {
    instanceId: instance.InstanceId as string,
    ...(name !== undefined ? { name } : {}),
    state: instance.State?.Name ?? 'unknown',
  };
}

const byId = (a: CoveredInstance, b: CoveredInstance) => a.instanceId.localeCompare(b.instanceId);

/** The instances by the value of the tag `tagKey`, and those without it. */
function byTagValue(instances: readonly Instance[], tagKey: string) {
  const values = new Map<string, CoveredInstance[]>();
  const untagged: CoveredInstance[] = [];
  for (const instance of instances) {
    const value = tagOf(instance, tagKey);
    if (value === undefined) untagged.push(covered(instance));
    else {
      const list = values.get(value) ?? [];
      list.push(covered(instance));
      values.set(value, list);
    }
  }
  return { values, untagged: untagged.sort(byId) };
}

type Grouper = (schedule: string, more?: Partial<TagValueGroup>) => TagValueGroup;

/** With a cloud assembly: each deployed schedule, then each other value with a suggestion. */
function againstAssembly(names: readonly string[], deployed: readonly string[], group: Grouper) {
  return {
    scheduled: deployed.map((name) => group(name)),
    notDeployed: names
      .filter((name) => !deployed.includes(name))
      .map((name) => {
        const suggestion = closestName(name, deployed);
        return group(name, suggestion !== undefined ? { suggestion } : {});
      }),
  };
}

/**
 * Without one: each value is taken for a schedule, the empty one excepted. More instances carry
 * the right name than a misspelt one, so a value close to a commoner one is likely a typo of it.
 */
function fromTagValues(names: readonly string[], count: (name: string) => number, group: Grouper) {
  const named = names.filter((name) => name !== '');
  const commonest = [...named].sort((a, b) => count(b) - count(a));
  return {
    scheduled: named.map((name) => {
      const commoner = commonest.filter((other) => count(other) > count(name));
      const typo = closestName(name, commoner);
      return group(name, typo !== undefined ? { likelyTypoOf: typo } : {});
    }),
    notDeployed: names.includes('') ? [group('')] : [],
  };
}

/** The report of `instances` (not terminated), grouped by what `schedules` says of their tag. */
export function coverageOf(
  instances: readonly Instance[],
  schedules: DeployedSchedules,
  where: { readonly account?: string; readonly region: string; readonly at: string },
): Omit<CoverageReport, 'groups'> {
  const { values, untagged } = byTagValue(instances, schedules.tagKey);
  const group: Grouper = (schedule, more = {}) => {
    const list = (values.get(schedule) ?? []).sort(byId);
    return { schedule, count: list.length, instances: list, ...more };
  };
  const names = [...values.keys()].sort();
  const deployed = schedules.fromAssembly ? schedules.names.sort() : undefined;
  const { scheduled, notDeployed } = deployed
    ? againstAssembly(names, deployed, group)
    : fromTagValues(names, (name) => values.get(name)?.length ?? 0, group);
  const sum = (groups: TagValueGroup[]) => groups.reduce((n, g) => n + g.count, 0);
  return {
    tagKey: schedules.tagKey,
    ...where,
    fromAssembly: schedules.fromAssembly,
    ...(deployed ? { deployedSchedules: deployed } : {}),
    counts: {
      total: instances.length,
      scheduled: sum(scheduled),
      notDeployed: sum(notDeployed),
      unscheduled: untagged.length,
    },
    scheduled,
    notDeployed,
    unscheduled: { count: untagged.length, instances: untagged },
  };
}

/** A line of text, or the cells of an instance's row (aligned across the whole output). */
type Line = string | string[];

const row = (i: CoveredInstance): string[] => [`    ${i.instanceId}`, i.name || '-', i.state];

function groupLines(groups: readonly TagValueGroup[], note: (g: TagValueGroup) => string) {
  return groups.flatMap((g): Line[] => [
    `  ${g.schedule === '' ? EMPTY_VALUE : g.schedule}: ${g.count}${note(g)}`,
    ...g.instances.map(row),
  ]);
}

/** The text of `coverage`: a header, then the three groups, each with its counts. */
export function coverageText(report: CoverageReport): string[] {
  const { counts, tagKey, scheduled, notDeployed } = report;
  const where = [report.account && `account ${report.account}`, report.region].filter(Boolean);
  const lines: Line[] = [
    `Coverage of the ${tagKey} tag in ${where.join(', ')}, at ${report.at}: ${counts.total} instance(s), terminated ones left out.`,
    report.deployedSchedules
      ? `Deployed schedules (from the cloud assembly): ${report.deployedSchedules.join(', ') || 'none'}.`
      : `No cloud assembly given: the schedule names are read from the ${tagKey} tag values found, so a misspelt name cannot be told from a deployed one; pass the cdk.out directory to check them against the deployed schedules.`,
    '',
    `${report.fromAssembly ? 'Scheduled' : 'Tagged (names from the tag values)'}: ${counts.scheduled} instance(s) in ${scheduled.length} schedule(s)`,
    ...groupLines(scheduled, (g) =>
      g.likelyTypoOf === undefined
        ? ''
        : ` (likely a typo of "${g.likelyTypoOf}", which more instances carry)`,
    ),
  ];
  if (report.fromAssembly || notDeployed.length > 0) {
    const title = report.fromAssembly ? 'Not a deployed schedule' : 'Empty schedule tag';
    lines.push(
      '',
      `${title}: ${counts.notDeployed} instance(s) in ${notDeployed.length} name(s)`,
      ...groupLines(notDeployed, (g) =>
        g.suggestion === undefined ? '' : ` (did you mean "${g.suggestion}"?)`,
      ),
    );
  }
  lines.push(
    '',
    `Unscheduled (no ${tagKey} tag): ${counts.unscheduled} instance(s)`,
    ...report.unscheduled.instances.map(row),
  );
  const rows = aligned(lines.filter((l): l is string[] => Array.isArray(l)));
  return [
    ...lines.map((l) => (Array.isArray(l) ? (rows.shift() as string) : l)),
    ...groupCoverageText(report.groups, tagKey, report.fromAssembly),
  ];
}
