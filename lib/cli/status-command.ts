/**
 * `cdk-ec2-scheduler status`: the instances of the account and Region that carry the schedule
 * tag, each with its state, schedule, override (judged now, as the functions would judge it),
 * last action (the audit tag) and, given a cloud assembly, its schedule's next start and stop.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import type { Io } from './io';
import {
  listTagged,
  tagOf,
  TARGET_OPTIONS,
  TARGET_USAGE,
  targetOf,
  type TargetFlags,
  withEc2,
} from './cli-ec2';
import { UsageError } from '../common/cli-errors';
import { aligned } from '../common/text-table';
import {
  conflictMessage,
  DeployedSchedules,
  JudgedOverride,
  utcSeconds,
} from './deployed-schedules';
import { overrideTagKey } from '../schedule/override';
import { auditTagKey } from '../common/shared-names';

export const STATUS_USAGE = `  cdk-ec2-scheduler status [CDK_OUT_DIR] [--schedule NAME] [--tag-key KEY] [--json]
                           [--account ACCOUNT [--role-name NAME]] [--region REGION]

  --schedule        only the instances of this schedule (tag value)
  --tag-key         the schedule tag's key (default: the cloud assembly's, else Schedule)
  --json            print JSON instead of a table
  CDK_OUT_DIR       the cloud assembly of the deployment: adds each schedule's next start and
                    stop, and judges overrides with its time zone and maxOverride
${TARGET_USAGE}`;

export const STATUS_OPTIONS = {
  ...TARGET_OPTIONS,
  schedule: { type: 'string' },
  'tag-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The flags `status` reads. */
export interface StatusFlags extends TargetFlags {
  readonly schedule?: string;
  readonly 'tag-key'?: string;
  readonly json?: boolean;
}

/** A start or stop: local time in the schedule's time zone (with its offset), and UTC. */
export interface TransitionTime {
  readonly local: string;
  readonly utc: string;
}

/** An instance's override tag, judged now. */
export interface OverrideStatus {
  /** The tag value. */
  readonly value: string;
  /** `unknown` when it cannot be judged (no time zone, or the schedule is not deployed). */
  readonly status: 'active' | 'expired' | 'ignored' | 'unknown';
  /** Active or expired: the state it holds (held) the instance in, and until when (UTC). */
  readonly state?: 'running' | 'stopped';
  readonly until?: string;
  /** Ignored or unknown: why. */
  readonly why?: string;
}

/** One instance of `status --json` (the shape is documented in the README). */
export interface InstanceStatus {
  readonly instanceId: string;
  /** The `Name` tag. */
  readonly name?: string;
  readonly state: string;
  /** The schedule tag's value. */
  readonly schedule: string;
  /** Given a cloud assembly: whether it deploys this schedule for the tag key. */
  readonly deployed?: boolean;
  readonly override?: OverrideStatus;
  /** The audit tag (`<tagKey>:last-action`). */
  readonly lastAction?: string;
  readonly nextStart?: TransitionTime;
  readonly nextStop?: TransitionTime;
  /** Why a deployed schedule has no next start and stop here. */
  readonly note?: string;
}

/** The whole of `status --json`. */
export interface StatusReport {
  readonly tagKey: string;
  readonly region: string;
  /** When overrides were judged and the next transitions computed (UTC). */
  readonly at: string;
  readonly instances: InstanceStatus[];
}

/** Runs `status`; returns the exit code. Bad arguments throw UsageError; AWS errors AwsCallError. */
export async function statusCommand(flags: StatusFlags, args: readonly string[], io: Io) {
  const [dir, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  for (const flag of ['schedule', 'tag-key'] as const) {
    if (flags[flag] === '') throw new UsageError(`--${flag} is empty; give a value`);
  }
  const schedules = DeployedSchedules.load(dir, flags['tag-key'], flags.schedule);
  const now = io.now?.() ?? new Date();
  const { region, instances } = await withEc2(targetOf(flags), async (ec2, region) => ({
    region,
    instances: await listTagged(ec2, schedules.tagKey, flags.schedule),
  }));
  const report: StatusReport = {
    tagKey: schedules.tagKey,
    region,
    at: utcSeconds(now),
    instances: instances
      .map((i) => statusOf(i, schedules, now))
      .sort(
        (a, b) => a.schedule.localeCompare(b.schedule) || a.instanceId.localeCompare(b.instanceId),
      ),
  };
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else printStatus(io, report, schedules.fromAssembly, flags.schedule);
  return 0;
}

function overrideStatus(value: string, verdict: JudgedOverride): OverrideStatus {
  if (verdict.status === 'active' || verdict.status === 'expired') {
    const { state, until } = verdict.override;
    return { value, status: verdict.status, state, until: utcSeconds(until) };
  }
  return { value, status: verdict.status, why: verdict.why };
}

/** What `status` tells of one instance. */
export function statusOf(
  instance: Instance,
  schedules: DeployedSchedules,
  now: Date,
): InstanceStatus {
  const key = schedules.tagKey;
  const schedule = tagOf(instance, key) ?? '';
  const override = tagOf(instance, overrideTagKey(key));
  const lastAction = tagOf(instance, auditTagKey(key));
  const name = tagOf(instance, 'Name');
  const found = schedules.lookup(schedule);
  const next = schedules.next(schedule, now);
  const time = (t: TransitionTime | undefined) => t && { local: t.local, utc: t.utc };
  return {
    instanceId: instance.InstanceId as string,
    ...(name !== undefined ? { name } : {}),
    state: instance.State?.Name ?? 'unknown',
    schedule,
    ...(schedules.fromAssembly ? { deployed: found.kind !== 'not-deployed' } : {}),
    ...(override !== undefined
      ? { override: overrideStatus(override, schedules.judge(override, schedule, now)) }
      : {}),
    ...(lastAction !== undefined ? { lastAction } : {}),
    ...(next.start ? { nextStart: time(next.start) } : {}),
    ...(next.stop ? { nextStop: time(next.stop) } : {}),
    ...(found.kind === 'conflict' ? { note: conflictMessage(schedule, found.stacks) } : {}),
  };
}

function overrideCell(o: OverrideStatus | undefined): string {
  if (!o) return '-';
  switch (o.status) {
    case 'active':
      return `${o.state} until ${o.until}`;
    case 'expired':
      return `expired (${o.state} until ${o.until})`;
    case 'ignored':
      return 'ignored (see below)';
    case 'unknown':
      return 'not judged (see below)';
  }
}

/** The table, then the notes; one write, so that 10,000 rows print fast. */
function printStatus(io: Io, report: StatusReport, fromAssembly: boolean, schedule?: string) {
  const tag = schedule === undefined ? report.tagKey : `${report.tagKey}=${schedule}`;
  const where = report.region;
  if (report.instances.length === 0) {
    io.out(`No instances tagged ${tag} in ${where}.`);
    return;
  }
  const head = ['INSTANCE', 'NAME', 'STATE', 'SCHEDULE', 'OVERRIDE', 'LAST ACTION'];
  const rows = report.instances.map((i) => [
    i.instanceId,
    i.name || '-',
    i.state,
    i.deployed === false ? `${i.schedule} (not a deployed schedule)` : i.schedule || '-',
    overrideCell(i.override),
    i.lastAction || '-',
    ...(fromAssembly ? [i.nextStart?.local ?? '-', i.nextStop?.local ?? '-'] : []),
  ]);
  const lines = [
    `${report.instances.length} instance(s) tagged ${tag} in ${where}, at ${report.at}:`,
    ...aligned([[...head, ...(fromAssembly ? ['NEXT START', 'NEXT STOP'] : [])], ...rows]),
  ];
  const notes = new Set<string>();
  for (const i of report.instances) {
    const o = i.override;
    const verdict = o?.status === 'ignored' ? 'is ignored' : 'is not judged';
    if (o?.why) notes.add(`${i.instanceId}: override "${o.value}" ${verdict}: ${o.why}`);
    if (i.note) notes.add(i.note);
  }
  if (!fromAssembly) {
    notes.add(
      'No cloud assembly given: next starts and stops are not shown, and overrides are judged against the default maxOverride (7 days); pass the cdk.out directory for both.',
    );
  }
  if (notes.size > 0) lines.push('', ...notes);
  io.out(lines.join('\n'));
}
