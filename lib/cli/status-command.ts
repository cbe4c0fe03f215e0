/**
 * `cdk-ec2-scheduler status`: the instances of the account and Region that carry the schedule
 * tag, each with its state, schedule, override (judged now, as the functions would judge it),
 * last action (the audit tag) and, given a cloud assembly, its schedule's next start and stop
 * (`status-report.ts`), a member of a group shown as one; then the Auto Scaling groups and EKS
 * node groups carrying the tag, with their current and saved sizes (`status-groups.ts`); in
 * tables of 120 columns or every column (`--wide`, `status-table.ts`, `status-group-table.ts`).
 */
import type { Io } from './io';
import {
  listTagged,
  TARGET_OPTIONS,
  TARGET_USAGE,
  targetOf,
  type TargetFlags,
  withEc2,
} from './cli-ec2';
import { listGroups, listNodegroups, withGroups } from './cli-groups';
import { UsageError } from '../common/cli-errors';
import { DeployedSchedules, utcSeconds } from './deployed-schedules';
import { groupTable } from './status-group-table';
import { groupsStatus } from './status-groups';
import { statusOf, type StatusReport } from './status-report';
import { statusTable, type StatusTableContext } from './status-table';

export type {
  GroupKind,
  GroupStatus,
  InstanceStatus,
  Membership,
  OverrideStatus,
  StatusReport,
  TransitionTime,
} from './status-report';

export const STATUS_USAGE = `  cdk-ec2-scheduler status [CDK_OUT_DIR] [--schedule NAME] [--tag-key KEY] [--wide | --json]
                           [--account ACCOUNT [--role-name NAME]] [--region REGION]

  --schedule        only the instances and groups of this schedule (tag value)
  --tag-key         the schedule tag's key (default: the cloud assembly's, else Schedule)
  --wide            every column in full: the last action (the audit tag), the next start and
                    the next stop, a node group's status (the tables fit 120 columns without it)
  --json            print JSON instead of a table
  CDK_OUT_DIR       the cloud assembly of the deployment: adds each schedule's next start and
                    stop, and judges overrides with its time zone and maxOverride
${TARGET_USAGE}`;

export const STATUS_OPTIONS = {
  ...TARGET_OPTIONS,
  schedule: { type: 'string' },
  'tag-key': { type: 'string' },
  wide: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The flags `status` reads. */
export interface StatusFlags extends TargetFlags {
  readonly schedule?: string;
  readonly 'tag-key'?: string;
  readonly wide?: boolean;
  readonly json?: boolean;
}

/** Runs `status`; returns the exit code. Bad arguments throw UsageError; AWS errors AwsCallError. */
export async function statusCommand(flags: StatusFlags, args: readonly string[], io: Io) {
  const [dir, ...extra] = args;
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"; give at most one CDK_OUT_DIR`);
  }
  if (flags.wide && flags.json) throw new UsageError('give --wide or --json, not both');
  for (const flag of ['schedule', 'tag-key'] as const) {
    if (flags[flag] === '') throw new UsageError(`--${flag} is empty; give a value`);
  }
  const schedules = DeployedSchedules.load(dir, flags['tag-key'], flags.schedule);
  const now = io.now?.() ?? new Date();
  const target = targetOf(flags);
  const query = { tagKey: schedules.tagKey, schedule: flags.schedule };
  const { region, instances, groups, nodegroups } = await withEc2(target, async (ec2, region) => {
    const [instances, [groups, nodegroups]] = await Promise.all([
      listTagged(ec2, schedules.tagKey, flags.schedule),
      withGroups(target, region, (c) =>
        Promise.all([listGroups(c.autoScaling, query), listNodegroups(c, query)]),
      ),
    ]);
    return { region, instances, groups, nodegroups };
  });
  const report: StatusReport = {
    tagKey: schedules.tagKey,
    region,
    at: utcSeconds(now),
    instances: instances
      .map((i) => statusOf(i, schedules, now))
      .sort(
        (a, b) => a.schedule.localeCompare(b.schedule) || a.instanceId.localeCompare(b.instanceId),
      ),
    groups: groupsStatus(groups, nodegroups, schedules, now, flags.schedule),
  };
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else printStatus(io, report, { schedules, now, wide: flags.wide === true }, flags.schedule);
  return 0;
}

/** The tables, then the notes; one write, so that 10,000 rows print fast. */
function printStatus(io: Io, report: StatusReport, ctx: StatusTableContext, schedule?: string) {
  const tag = schedule === undefined ? report.tagKey : `${report.tagKey}=${schedule}`;
  const where = report.region;
  const { instances, groups } = report;
  if (instances.length === 0 && groups.length === 0) {
    io.out(`No instances, Auto Scaling groups or EKS node groups tagged ${tag} in ${where}.`);
    return;
  }
  const lines: string[] = [];
  const notes = new Set<string>();
  if (instances.length > 0) {
    const table = statusTable(report, ctx);
    lines.push(`${instances.length} instance(s) tagged ${tag} in ${where}, at ${report.at}:`);
    lines.push(...table.lines);
    table.notes.forEach((n) => notes.add(n));
  }
  if (groups.length > 0) {
    const table = groupTable(report, ctx);
    if (lines.length > 0) lines.push('');
    lines.push(
      `${groups.length} Auto Scaling group(s) and EKS node group(s) tagged ${tag} in ${where}, at ${report.at}:`,
    );
    lines.push(...table.lines);
    table.notes.forEach((n) => notes.add(n));
  }
  const named = [
    ...instances.map((i) => ({ id: i.instanceId, ...i })),
    ...groups.map((g) => ({ id: g.name, ...g })),
  ];
  for (const i of named) {
    const o = i.override;
    const verdict = o?.status === 'ignored' ? 'is ignored' : 'is not judged';
    if (o?.why) notes.add(`${i.id}: override "${o.value}" ${verdict}: ${o.why}`);
    if (i.note) notes.add(i.note);
  }
  if (!ctx.schedules.fromAssembly) {
    notes.add(
      'No cloud assembly given: next starts and stops are not shown, and overrides are judged against the default maxOverride (7 days); pass the cdk.out directory for both.',
    );
  }
  if (notes.size > 0) lines.push('', ...notes);
  io.out(lines.join('\n'));
}
