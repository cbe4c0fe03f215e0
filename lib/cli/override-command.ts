/**
 * `cdk-ec2-scheduler override`: writes or removes the override tag (`<tagKey>:override`) of
 * instances, after the checks the functions make when they read it (`override.ts`): a time they
 * read the same way, not past, and within the schedule's maxOverride. Every instance is checked
 * before anything is written; a refused one writes nothing.
 */
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import * as fs from 'node:fs';
import type { Io } from './io';
import {
  createTag,
  deleteTag,
  describeIds,
  tagOf,
  OVERRIDE_TARGET_USAGE,
  TARGET_OPTIONS,
  targetOf,
  type TargetFlags,
  withEc2,
} from './cli-ec2';
import { AwsCallError, InputError, UsageError } from '../common/cli-errors';
import {
  conflictMessage,
  DeployedSchedules,
  needsTimeZone,
  utcSeconds,
} from './deployed-schedules';
import {
  formatOverride,
  judgeOverride,
  OverrideFormatError,
  OverrideState,
  overrideTagKey,
  parseOverride,
} from '../schedule/override';
import { OVERRIDE_REACH_SECONDS } from '../common/limits';
import { formatLocal } from '../schedule/preview';
import { DEFAULT_MAX_OVERRIDE_SECONDS } from '../contract/schedule-input';

export const OVERRIDE_USAGE = `  cdk-ec2-scheduler override INSTANCE_ID... (--running-until TIME | --stopped-until TIME | --clear)
                             [--tag-key KEY] [CDK_OUT_DIR | --force]
                             [--account ACCOUNT --role-name NAME] [--region REGION]

  --running-until   keep the instances running until TIME: stops leave them alone
  --stopped-until   keep the instances stopped until TIME: starts leave them alone
  --clear           remove the override, so that the schedule applies again
  TIME              ISO 8601 with an offset (2026-12-02T08:00Z, 2026-12-02T08:00+01:00), or
                    without one (2026-12-02T08:00, or 2026-12-02 for midnight) in the time zone
                    of the instance's schedule, which takes CDK_OUT_DIR
  --tag-key         the schedule tag's key (default: the cloud assembly's, else Schedule)
  CDK_OUT_DIR       the cloud assembly of the deployment: the schedules' time zones and
                    maxOverride (without it, TIME is checked against the default 7 days)
  --force           without CDK_OUT_DIR: write a TIME up to 366 days ahead, for a deployment
                    whose maxOverride is longer than 7 days (the functions ignore a TIME beyond
                    the deployed maxOverride)
${OVERRIDE_TARGET_USAGE}`;

export const OVERRIDE_OPTIONS = {
  ...TARGET_OPTIONS,
  'running-until': { type: 'string' },
  'stopped-until': { type: 'string' },
  clear: { type: 'boolean' },
  'tag-key': { type: 'string' },
  force: { type: 'boolean' },
} as const;

/** The flags `override` reads. */
export interface OverrideFlags extends TargetFlags {
  readonly 'running-until'?: string;
  readonly 'stopped-until'?: string;
  readonly clear?: boolean;
  readonly 'tag-key'?: string;
  readonly force?: boolean;
}

type Request =
  | {
      readonly kind: 'set';
      readonly state: OverrideState;
      readonly flag: string;
      readonly time: string;
    }
  | { readonly kind: 'clear' };

/** What is written on one instance. */
interface Plan {
  readonly instance: Instance;
  readonly id: string;
  /** The tag value (set); undefined for --clear. */
  readonly value?: string;
  /** Set: the instant in the schedule's time zone, when known. */
  readonly local?: string;
}

/** EC2 instance ids: `i-` and 8 or 17 hexadecimal digits. */
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Most instances one call tags (EC2's limit on CreateTags and DeleteTags resources). */
const MAX_IDS = 1000;

/** Runs `override`; returns the exit code. Refusals throw UsageError or InputError. */
export async function overrideCommand(flags: OverrideFlags, args: readonly string[], io: Io) {
  const request = requestOf(flags);
  const target = targetOf(flags, 'override');
  const { ids, dir } = targetsOf(args);
  const reach = reachWithoutAssembly(request, dir, flags.force === true);
  if (request.kind === 'set') checkTimeFormat(request);
  const schedules = DeployedSchedules.load(dir, flags['tag-key']);
  const now = io.now?.() ?? new Date();
  await withEc2(target, async (ec2, region) => {
    const instances = await describeOrRefuse(ec2, ids, region);
    const plans = planAll(instances, ids, { request, schedules, now, maxSeconds: reach.seconds });
    if (reach.note) io.err(reach.note);
    await write(ec2, plans, overrideTagKey(schedules.tagKey), io);
  });
  return 0;
}

function requestOf(flags: OverrideFlags): Request {
  const given = (['running-until', 'stopped-until', 'clear'] as const).filter(
    (f) => flags[f] !== undefined,
  );
  if (given.length !== 1) {
    throw new UsageError(
      `${given.length === 0 ? 'give' : `${given.map((f) => `--${f}`).join(' and ')} given; give only`} one of --running-until TIME, --stopped-until TIME and --clear`,
    );
  }
  const [flag] = given;
  if (flag === 'clear') return { kind: 'clear' };
  const time = flags[flag] as string;
  return { kind: 'set', state: flag === 'running-until' ? 'running' : 'stopped', flag, time };
}

/**
 * Without a cloud assembly the deployed maxOverride is unknown: how far ahead a time may reach (the
 * default 7 days, or with --force the longest any deployment allows), and the note that says so.
 */
function reachWithoutAssembly(
  request: Request,
  dir: string | undefined,
  force: boolean,
): { readonly seconds: number; readonly note?: string } {
  if (force && (dir !== undefined || request.kind === 'clear')) {
    throw new UsageError(
      dir !== undefined
        ? '--force applies only without a cloud assembly: with CDK_OUT_DIR the deployed maxOverride is known, and the functions would ignore a time beyond it'
        : '--force applies only to --running-until and --stopped-until',
    );
  }
  if (dir !== undefined || request.kind === 'clear') {
    return { seconds: DEFAULT_MAX_OVERRIDE_SECONDS };
  }
  return force
    ? {
        seconds: OVERRIDE_REACH_SECONDS.max,
        note: 'no cloud assembly given: --force checked the time only against the longest maxOverride any deployment allows (366 days); the functions ignore it if it reaches further than the deployed maxOverride, which only the cloud assembly (e.g. cdk.out, as the last argument) tells',
      }
    : {
        seconds: DEFAULT_MAX_OVERRIDE_SECONDS,
        note: 'no cloud assembly given: the time was checked against the default maxOverride (7 days), not the deployed one; pass the cloud assembly (e.g. cdk.out, as the last argument) to check against that',
      };
}

/** Instance ids and the cloud assembly (an existing directory) among the arguments. */
function targetsOf(args: readonly string[]): { ids: string[]; dir?: string } {
  const ids: string[] = [];
  const dirs: string[] = [];
  for (const arg of args) {
    if (INSTANCE_ID.test(arg)) ids.push(arg);
    else if (fs.statSync(arg, { throwIfNoEntry: false })?.isDirectory()) dirs.push(arg);
    else {
      throw new UsageError(
        `"${arg}" is not an instance id (i- and 8 or 17 hexadecimal digits, such as i-0123456789abcdef0), nor a cloud assembly directory`,
      );
    }
  }
  if (dirs.length > 1) throw new UsageError(`give one CDK_OUT_DIR, not ${dirs.join(' and ')}`);
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new UsageError('give the ids of the instances to override');
  if (unique.length > MAX_IDS) {
    throw new UsageError(`${unique.length} instance ids given; give at most ${MAX_IDS} at a time`);
  }
  return { ids: unique, dir: dirs[0] };
}

/** A time the functions could not read at all, refused before any call. */
function checkTimeFormat(request: Extract<Request, { kind: 'set' }>): void {
  try {
    parseOverride(`${request.state} until ${request.time}`, 'UTC');
  } catch (err) {
    if (!(err instanceof OverrideFormatError)) throw err;
    throw new InputError(
      `--${request.flag} "${request.time}" is not a time the functions read: ${err.message}`,
    );
  }
}

async function describeOrRefuse(ec2: EC2Client, ids: string[], region: string) {
  try {
    return await describeIds(ec2, ids);
  } catch (err) {
    if (err instanceof AwsCallError && err.code.startsWith('InvalidInstanceID.')) {
      throw new InputError(
        `${err.message}; check the ids, and that AWS_PROFILE and AWS_REGION select the instances' account and Region (Region in use: ${region})`,
      );
    }
    throw err;
  }
}

/**
 * What to write on each instance, after checking them all.
 * @throws InputError naming every refused instance, the value and the fix
 */
function planAll(instances: readonly Instance[], ids: readonly string[], ctx: PlanContext): Plan[] {
  const { request } = ctx;
  const problems = new Map<string, string[]>();
  const plans: Plan[] = [];
  for (const id of ids) {
    const instance = instances.find((i) => i.InstanceId === id);
    const planned = instance
      ? request.kind === 'clear'
        ? { instance, id }
        : planSet(instance, id, request, ctx)
      : `not found in this account and Region`;
    if (typeof planned === 'string') problems.set(planned, [...(problems.get(planned) ?? []), id]);
    else plans.push(planned);
  }
  if (problems.size > 0) {
    const lines = [...problems].map(([problem, which]) => `${which.join(', ')}: ${problem}`);
    throw new InputError(`nothing was written:\n${lines.join('\n')}`);
  }
  return plans;
}

/** What every instance's plan is made against. */
interface PlanContext {
  readonly request: Request;
  readonly schedules: DeployedSchedules;
  readonly now: Date;
  /** How far ahead a time may reach without a cloud assembly, in seconds. */
  readonly maxSeconds: number;
}

/** The override for one instance, or why it is refused. */
function planSet(
  instance: Instance,
  id: string,
  request: Extract<Request, { kind: 'set' }>,
  { schedules, now, maxSeconds: reach }: PlanContext,
): Plan | string {
  const key = schedules.tagKey;
  const name = tagOf(instance, key);
  const state = instance.State?.Name;
  if (state === 'terminated' || state === 'shutting-down') return `is ${state}`;
  if (name === undefined) {
    return `has no ${key} tag, so no schedule acts on it; tag it ${key}=<schedule> first`;
  }
  const found = schedules.lookup(name);
  if (found.kind === 'not-deployed') {
    return `its ${key} tag "${name}" is not a schedule of the cloud assembly (${schedules.names.join(', ')})`;
  }
  if (found.kind === 'conflict') return conflictMessage(name, found.stacks);
  const raw = `${request.state} until ${request.time}`;
  const timeZone = found.kind === 'deployed' ? found.schedule.timeZone : undefined;
  if (timeZone === undefined && needsTimeZone(raw)) {
    return `--${request.flag} "${request.time}" has no UTC offset, and without a cloud assembly the schedule's time zone is unknown; add an offset (such as Z or +01:00) or pass the cloud assembly (e.g. cdk.out)`;
  }
  const zone = timeZone ?? 'UTC';
  const { until } = parseOverride(raw, zone);
  const value = formatOverride({ state: request.state, until });
  const local = timeZone && ` (${formatLocal(until, timeZone)} ${timeZone})`;
  const maxSeconds = found.kind === 'deployed' ? found.schedule.maxOverrideSeconds : reach;
  const verdict = judgeOverride(value, zone, now, maxSeconds * 1000);
  if (verdict.status === 'expired') {
    return `--${request.flag} "${request.time}" is ${utcSeconds(until)}${local ?? ''}, which has passed (it is now ${utcSeconds(now)}); give a later time`;
  }
  if (verdict.status === 'ignored') {
    const assumed =
      found.kind !== 'no-assembly'
        ? ''
        : reach === DEFAULT_MAX_OVERRIDE_SECONDS
          ? ' (the default maxOverride; pass the cloud assembly for the deployed one, or --force if the deployment allows more)'
          : ' (the longest maxOverride any deployment allows)';
    return `--${request.flag} "${request.time}": ${verdict.why}${assumed}`;
  }
  return { instance, id, value, ...(local ? { local } : {}) };
}

/** Writes the plans, a call per value (and per 1,000 ids), and prints what each wrote. */
async function write(ec2: EC2Client, plans: readonly Plan[], key: string, io: Io): Promise<void> {
  const groups = new Map<string | undefined, Plan[]>();
  for (const p of plans) {
    const group = groups.get(p.value);
    if (group) group.push(p);
    else groups.set(p.value, [p]);
  }
  for (const [value, group] of groups) {
    for (let i = 0; i < group.length; i += MAX_IDS) {
      const part = group.slice(i, i + MAX_IDS);
      const ids = part.map((p) => p.id);
      if (value === undefined) await deleteTag(ec2, ids, key);
      else await createTag(ec2, ids, key, value);
      for (const p of part) io.out(describeWrite(p, key));
    }
  }
}

function describeWrite(plan: Plan, key: string): string {
  const name = tagOf(plan.instance, 'Name');
  const who = name ? `${plan.id} (${name})` : plan.id;
  if (plan.value !== undefined) {
    return `${who}: set ${key} = "${plan.value}"${plan.local ?? ''}`;
  }
  const was = tagOf(plan.instance, key);
  return `${who}: removed ${key}${was === undefined ? ' (it had none)' : ` (was "${was}")`}`;
}
