/**
 * Reads and checks the input a schedule (or a follow-up run) sends, before any API call: its shape, its
 * sizes, that it names this deployment's tag key and one of its schedules, strict ISO 8601
 * times, and a follow-up state within range.
 */
import { EventBridgeCron, parseEventBridgeCron } from '../schedule/cron';
import { FollowUpBounds, followUpOf } from './follow-up-state';
import {
  flag,
  isObject,
  isoDate,
  MalformedEventError,
  show,
  text,
  wholeNumber,
} from './input-checks';
import {
  MAX_CRON_EXPRESSION,
  MAX_SCHEDULE_NAME,
  MAX_SKIP_DATES,
  MAX_TAG_KEY,
  MAX_TIME_ZONE,
  MAX_TIMES_PER_SIDE,
  OVERRIDE_REACH_SECONDS,
  VERIFY_TIMEOUT_SECONDS,
} from '../common/limits';
import {
  DEFAULT_MAX_OVERRIDE_SECONDS,
  SCHEDULED_TIME_ATTRIBUTE,
  ScheduleAction,
  SchedulerEvent,
  RunTarget,
  TargetsConfig,
} from './schedule-input';
import { isCalendarDate, isValidTimeZone } from '../schedule/time-zone';
import { ACCOUNT_ID, OU_ID, REGION_NAME } from '../common/aws-ids';

export { MalformedEventError };

/** What the stack configured: the only tag key and schedule names a function acts for. */
export interface Deployment {
  readonly tagKey: string;
  readonly schedules: readonly string[];
  /** A hub's targets; absent, the functions act in their own account and Region only. */
  readonly targets?: TargetsConfig;
}

export interface ParseOptions {
  /**
   * The deployment the event must name. Absent (unit tests of the run, the CLI reading a cloud
   * assembly), the event's tagKey and schedule are not checked against one; the Lambda shell
   * always passes it.
   */
  readonly deployment?: Deployment;
  /**
   * What a follow-up state is checked against. Absent, an input carrying one is malformed: only
   * the functions read follow-up runs.
   */
  readonly followUpBounds?: FollowUpBounds;
}

/** A checked event, with its parsed parts. */
export interface RunInput {
  readonly event: SchedulerEvent;
  /** The opposite side's expressions (none for a one-sided schedule). */
  readonly opposites: readonly EventBridgeCron[];
  /** An enforcement check's window. */
  readonly enforce?: { readonly starts: EventBridgeCron[]; readonly stops: EventBridgeCron[] };
  /** How far ahead an override may reach, in milliseconds. */
  readonly maxOverrideMs: number;
  /** When the schedule fired, if known. */
  readonly scheduledTime?: Date;
}

function seconds(value: unknown): number {
  const { min, max } = VERIFY_TIMEOUT_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MalformedEventError(
      `verifyTimeoutSeconds ${show(value)} must be a whole number of seconds from ${min} to ${max}`,
    );
  }
  return value;
}

/** The event names this deployment's tag key and one of its schedules. */
function checkDeployment(tagKey: string, schedule: string, deployment: Deployment): void {
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
}

function timeZoneOf(raw: Record<string, unknown>): string {
  const timeZone = text(raw, 'timeZone', MAX_TIME_ZONE);
  if (!isValidTimeZone(timeZone)) {
    throw new MalformedEventError(
      `timeZone "${timeZone}" is not an IANA time zone such as "America/New_York"`,
    );
  }
  return timeZone;
}

function skipDatesOf(raw: Record<string, unknown>): string[] {
  const skipDates = raw.skipDates ?? [];
  if (!Array.isArray(skipDates)) {
    throw new MalformedEventError(`skipDates ${show(skipDates)} must be a list of dates`);
  }
  if (skipDates.length > MAX_SKIP_DATES) {
    throw new MalformedEventError(
      `skipDates has ${skipDates.length} dates; at most ${MAX_SKIP_DATES} are allowed`,
    );
  }
  skipDates.forEach((d, i) => {
    if (typeof d !== 'string' || !isCalendarDate(d)) {
      throw new MalformedEventError(
        `skipDates[${i}] ${show(d)} is not a real date in YYYY-MM-DD form`,
      );
    }
  });
  return skipDates as string[];
}

/** A list of 1 to MAX_TIMES_PER_SIDE EventBridge cron expressions. */
function cronList(field: string, value: unknown): EventBridgeCron[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TIMES_PER_SIDE) {
    throw new MalformedEventError(
      `${field} ${show(value)} must be a list of 1 to ${MAX_TIMES_PER_SIDE} cron expressions`,
    );
  }
  return value.map((expression, i) => {
    const where = `${field}[${i}]`;
    const checked = text({ [where]: expression }, where, MAX_CRON_EXPRESSION);
    try {
      return parseEventBridgeCron(checked);
    } catch (err) {
      throw new MalformedEventError(`${where} "${checked}" ${(err as Error).message}`);
    }
  });
}

function enforceOf(
  raw: Record<string, unknown>,
  action: ScheduleAction,
): RunInput['enforce'] | undefined {
  if (raw.enforce === undefined) return undefined;
  if (action !== 'stop' || !isObject(raw.enforce)) {
    throw new MalformedEventError(
      `enforce ${show(raw.enforce)} must be an object with starts and stops, on a stop input`,
    );
  }
  return {
    starts: cronList('enforce.starts', raw.enforce.starts),
    stops: cronList('enforce.stops', raw.enforce.stops),
  };
}

/** A run's target: a well-formed account and Region, among the deployment's targets. */
function targetOf(raw: Record<string, unknown>, deployment?: Deployment): RunTarget | undefined {
  if (raw.target === undefined) return undefined;
  const target = raw.target;
  if (
    !isObject(target) ||
    typeof target.account !== 'string' ||
    !ACCOUNT_ID.test(target.account) ||
    typeof target.region !== 'string' ||
    !REGION_NAME.test(target.region)
  ) {
    throw new MalformedEventError(
      `target ${show(target)} must be an account (12 digits) and a Region, e.g. {"account":"111122223333","region":"eu-west-1"}`,
    );
  }
  const targets = deployment?.targets;
  if (deployment && !targets) {
    throw new MalformedEventError('target is given, but this scheduler has no targets');
  }
  if (targets) {
    const accountKnown =
      targets.accounts.includes(target.account) || targets.organizationalUnitIds.length > 0;
    if (!accountKnown || !targets.regions.includes(target.region)) {
      throw new MalformedEventError(
        `target ${show(target)} is not one of this scheduler's targets`,
      );
    }
  }
  return { account: target.account, region: target.region };
}

/** Checks that the event is an object of version 1 for the function that handles `action`. */
function checkEnvelope(
  raw: unknown,
  action: ScheduleAction,
): asserts raw is Record<string, unknown> {
  if (!isObject(raw)) {
    throw new MalformedEventError(
      `expected a JSON object with action, schedule, tagKey and timeZone; got ${show(raw)}`,
    );
  }
  if (raw.version !== undefined && raw.version !== 1) {
    throw new MalformedEventError(`version ${show(raw.version)} is not supported; use 1`);
  }
  if (raw.action !== action) {
    throw new MalformedEventError(
      `action ${show(raw.action)} does not match this function, which only runs "${action}"`,
    );
  }
}

/**
 * Checks a raw event for the function that handles `action`.
 * @throws MalformedEventError naming the field, the value and what is expected
 */
export function parseScheduleInput(
  raw: unknown,
  action: ScheduleAction,
  options: ParseOptions = {},
): RunInput {
  checkEnvelope(raw, action);
  const schedule = text(raw, 'schedule', MAX_SCHEDULE_NAME);
  const tagKey = text(raw, 'tagKey', MAX_TAG_KEY);
  if (options.deployment) checkDeployment(tagKey, schedule, options.deployment);
  const timeZone = timeZoneOf(raw);
  const skipDates = skipDatesOf(raw);
  const opposites = raw.opposites === undefined ? [] : cronList('opposites', raw.opposites);
  const enforce = enforceOf(raw, action);
  const target = targetOf(raw, options.deployment);
  const maxOverrideSeconds =
    raw.maxOverrideSeconds === undefined
      ? DEFAULT_MAX_OVERRIDE_SECONDS
      : wholeNumber(
          'maxOverrideSeconds',
          raw.maxOverrideSeconds,
          OVERRIDE_REACH_SECONDS.min,
          OVERRIDE_REACH_SECONDS.max,
        );
  // Invoked by hand with the placeholder left in: treat as "now".
  const scheduledTime =
    raw.scheduledTime !== undefined && raw.scheduledTime !== SCHEDULED_TIME_ATTRIBUTE
      ? isoDate('scheduledTime', raw.scheduledTime)
      : undefined;
  if (raw.followUp !== undefined && !options.followUpBounds) {
    throw new MalformedEventError('followUp is only read by the start and stop functions');
  }
  const followUp = options.followUpBounds
    ? followUpOf(raw.followUp, options.followUpBounds, scheduledTime)
    : undefined;
  const event: SchedulerEvent = {
    version: 1,
    action,
    schedule,
    tagKey,
    timeZone,
    skipDates,
    hibernate: flag(raw, 'hibernate'),
    dryRun: flag(raw, 'dryRun'),
    ...(raw.auditTags !== undefined ? { auditTags: flag(raw, 'auditTags') } : {}),
    ...(raw.verifyTimeoutSeconds !== undefined
      ? { verifyTimeoutSeconds: seconds(raw.verifyTimeoutSeconds) }
      : {}),
    ...(opposites.length > 0 ? { opposites: opposites.map((c) => c.expression) } : {}),
    ...(enforce
      ? {
          enforce: {
            starts: enforce.starts.map((c) => c.expression),
            stops: enforce.stops.map((c) => c.expression),
          },
        }
      : {}),
    ...(raw.maxOverrideSeconds !== undefined ? { maxOverrideSeconds } : {}),
    ...(scheduledTime ? { scheduledTime: scheduledTime.toISOString() } : {}),
    ...(followUp ? { followUp } : {}),
    ...(target ? { target } : {}),
  };
  return { event, opposites, enforce, maxOverrideMs: maxOverrideSeconds * 1000, scheduledTime };
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
  let schedules: unknown;
  try {
    schedules = JSON.parse(env[names.schedules] ?? '');
  } catch {
    schedules = undefined;
  }
  if (
    !tagKey ||
    !Array.isArray(schedules) ||
    !schedules.every((s): s is string => typeof s === 'string')
  ) {
    throw new Error(
      `the function's environment lacks ${names.tagKey} or ${names.schedules} (a JSON list of schedule names); deploy it with the Ec2Scheduler construct, which sets both`,
    );
  }
  const targets = names.targets ? targetsFromEnv(env[names.targets], names.targets) : undefined;
  return { tagKey, schedules, ...(targets ? { targets } : {}) };
}

function targetsFromEnv(value: string | undefined, name: string): TargetsConfig | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const list = (v: unknown, re: RegExp) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string' && re.test(x));
  if (
    !isObject(parsed) ||
    !list(parsed.accounts, ACCOUNT_ID) ||
    !list(parsed.organizationalUnitIds, OU_ID) ||
    !list(parsed.regions, REGION_NAME) ||
    typeof parsed.spokeRoleName !== 'string'
  ) {
    throw new Error(
      `the function's environment variable ${name} is not the targets JSON the Ec2Scheduler construct writes; deploy it with the construct`,
    );
  }
  return parsed as unknown as TargetsConfig;
}
