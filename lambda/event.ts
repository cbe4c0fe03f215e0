/**
 * Checks the input a schedule (or a follow-up run) sends, before any API call: its shape, its
 * sizes, that it names this deployment's tag key and one of its schedules, strict ISO 8601
 * times, and a follow-up state within range.
 */
import {
  EventBridgeCron,
  isCalendarDate,
  isValidTimeZone,
  parseEventBridgeCron,
} from '../lib/cron';
import {
  BucketSnapshot,
  CarriedInstances,
  ChainFailures,
  FollowUpState,
  MAX_CARRIED,
  MAX_CHAIN_PROBLEMS,
  MAX_FOLLOW_UPS,
  MAX_NAMED_FAILURES,
  MAX_STALLED_RUNS,
  SCHEDULED_TIME_ATTRIBUTE,
  ScheduleAction,
  SchedulerEvent,
} from '../lib/event';
import type { ActionLimits } from './pacer';

export class MalformedEventError extends Error {
  constructor(message: string) {
    super(`malformed event: ${message}`);
    this.name = 'MalformedEventError';
  }
}

/** What the stack configured: the only tag key and schedule names a function acts for. */
export interface Deployment {
  readonly tagKey: string;
  readonly schedules: readonly string[];
}

export interface ParseOptions {
  /**
   * The deployment the event must name. Absent (unit tests of the run), the event's tagKey and
   * schedule are not checked against one; the Lambda shell always passes it.
   */
  readonly deployment?: Deployment;
  /** The action's API limits, which bound a follow-up's bucket snapshot. */
  readonly limits: ActionLimits;
  /** Epoch ms now, which bounds the times of a follow-up's state. */
  readonly now: number;
}

/** A checked event, with its parsed parts. */
export interface RunInput {
  readonly event: SchedulerEvent;
  readonly opposite?: EventBridgeCron;
  /** When the schedule fired, if known. */
  readonly scheduledTime?: Date;
}

/** A tag value's limit: schedule names are tag values. */
const MAX_SCHEDULE = 256;
const MAX_TAG_KEY = 128;
const MAX_TIME_ZONE = 64;
const MAX_OPPOSITE = 256;
const MAX_SKIP_DATES = 1000;
const MAX_TEXT = 512;
const DAY_MS = 86_400_000;
/** How far ahead a chain's end may be: a schedule's opposite side fires at least once a year. */
const MAX_WINDOW_MS = 400 * DAY_MS;
/** How old a follow-up's bucket snapshot may be (Lambda keeps an async event up to 6 hours). */
const MAX_SNAPSHOT_AGE_MS = DAY_MS;
/** Clocks of Lambda execution environments agree to well within this. */
const CLOCK_SKEW_MS = 5 * 60_000;
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value for an error message, cut short when long. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 80 ? text : `${text.slice(0, 77)}...(${text.length} characters)`;
}

/** A strict ISO 8601 time with a zone (`Z` or an offset), of a real date and time. */
function isoDate(field: string, value: unknown): Date {
  const m = typeof value === 'string' ? ISO_8601.exec(value) : null;
  const at = m ? new Date(value as string) : new Date(NaN);
  const real =
    m !== null &&
    !Number.isNaN(at.getTime()) &&
    isCalendarDate(`${m[1]}-${m[2]}-${m[3]}`) &&
    Number(m[4]) <= 23 &&
    Number(m[5]) <= 59 &&
    Number(m[6] ?? 0) <= 59 &&
    Number(m[7] ?? 0) <= 23 &&
    Number(m[8] ?? 0) <= 59;
  if (!real) {
    throw new MalformedEventError(
      `${field} ${show(value)} is not an ISO 8601 time such as "2026-11-27T13:00:00Z"`,
    );
  }
  return at;
}

function text(raw: Record<string, unknown>, field: string, max: number): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new MalformedEventError(`${field} ${show(value)} must be a non-empty string`);
  }
  if (value.length > max) {
    throw new MalformedEventError(
      `${field} ${show(value)} is ${value.length} characters long; at most ${max} are allowed`,
    );
  }
  return value;
}

function flag(raw: Record<string, unknown>, field: string): boolean {
  const value = raw[field] ?? false;
  if (typeof value !== 'boolean') {
    throw new MalformedEventError(`${field} ${show(value)} must be true or false`);
  }
  return value;
}

function wholeNumber(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MalformedEventError(
      `${field} ${show(value)} must be a whole number of at least ${min} and at most ${max}`,
    );
  }
  return value;
}

function seconds(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 900) {
    throw new MalformedEventError(
      `verifyTimeoutSeconds ${show(value)} must be a whole number of seconds from 0 to 900`,
    );
  }
  return value;
}

function bucketLevel(field: string, value: unknown, capacity: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > capacity) {
    throw new MalformedEventError(`${field} ${show(value)} must be a number from 0 to ${capacity}`);
  }
  return value;
}

function bucketsOf(b: unknown, options: ParseOptions): BucketSnapshot {
  if (!isObject(b)) {
    throw new MalformedEventError(
      `followUp.buckets ${show(b)} must be {request, resource, at} numbers`,
    );
  }
  const { limits, now } = options;
  return {
    request: bucketLevel('followUp.buckets.request', b.request, limits.request.capacity),
    resource: bucketLevel('followUp.buckets.resource', b.resource, limits.resource.capacity),
    at: wholeNumber('followUp.buckets.at', b.at, now - MAX_SNAPSHOT_AGE_MS, now + CLOCK_SKEW_MS),
  };
}

function instancesOf(v: unknown): CarriedInstances {
  const ids = (list: unknown) =>
    Array.isArray(list) && list.every((id) => typeof id === 'string' && INSTANCE_ID.test(id));
  if (!isObject(v) || !ids(v.plain) || !ids(v.hibernate)) {
    throw new MalformedEventError(
      'followUp.instances must be {plain, hibernate}, each a list of instance ids like "i-0123456789abcdef0"',
    );
  }
  const all = [...(v.plain as string[]), ...(v.hibernate as string[])];
  if (all.length > MAX_CARRIED || new Set(all).size !== all.length) {
    throw new MalformedEventError(
      `followUp.instances carries ${all.length} ids; at most ${MAX_CARRIED}, each once`,
    );
  }
  return { plain: v.plain as string[], hibernate: v.hibernate as string[] };
}

function failuresOf(v: unknown): ChainFailures {
  const entry = (e: unknown) =>
    isObject(e) &&
    typeof e.instanceId === 'string' &&
    INSTANCE_ID.test(e.instanceId) &&
    typeof e.errorCode === 'string' &&
    e.errorCode.length > 0 &&
    e.errorCode.length <= MAX_TAG_KEY;
  const problems = isObject(v) ? (v.problems ?? []) : undefined;
  if (
    !isObject(v) ||
    !Array.isArray(v.first) ||
    v.first.length > MAX_NAMED_FAILURES ||
    !v.first.every(entry) ||
    !Array.isArray(problems) ||
    problems.length > MAX_CHAIN_PROBLEMS ||
    !problems.every((p) => typeof p === 'string' && p.length <= MAX_TEXT)
  ) {
    throw new MalformedEventError(
      `followUp.failures ${show(v)} must be {count, first: [{instanceId, errorCode}], problems?}`,
    );
  }
  const count = wholeNumber('followUp.failures.count', v.count, v.first.length, 1e9);
  return {
    count,
    first: (v.first as { instanceId: string; errorCode: string }[]).map((e) => ({
      instanceId: e.instanceId,
      errorCode: e.errorCode,
    })),
    ...(problems.length > 0 ? { problems: problems as string[] } : {}),
  };
}

function followUpOf(
  value: unknown,
  options: ParseOptions,
  scheduledTime: Date | undefined,
): FollowUpState | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    throw new MalformedEventError(`followUp ${show(value)} must be an object`);
  }
  const attempt = wholeNumber('followUp.attempt', value.attempt, 1, MAX_FOLLOW_UPS);
  const notAfter = isoDate('followUp.notAfter', value.notAfter);
  const from = scheduledTime?.getTime() ?? options.now;
  if (notAfter.getTime() < from - MAX_WINDOW_MS || notAfter.getTime() > from + MAX_WINDOW_MS) {
    throw new MalformedEventError(
      `followUp.notAfter ${show(value.notAfter)} is more than 400 days from the scheduled time`,
    );
  }
  if (scheduledTime && notAfter < scheduledTime) {
    throw new MalformedEventError(
      `followUp.notAfter ${show(value.notAfter)} is before the scheduled time ${scheduledTime.toISOString()}`,
    );
  }
  if (value.relist !== undefined && typeof value.relist !== 'boolean') {
    throw new MalformedEventError(`followUp.relist ${show(value.relist)} must be true or false`);
  }
  return {
    attempt,
    notAfter: notAfter.toISOString(),
    ...(value.buckets !== undefined ? { buckets: bucketsOf(value.buckets, options) } : {}),
    ...(value.instances !== undefined ? { instances: instancesOf(value.instances) } : {}),
    ...(value.relist ? { relist: true } : {}),
    ...(value.failures !== undefined ? { failures: failuresOf(value.failures) } : {}),
    ...(value.stalled !== undefined
      ? { stalled: wholeNumber('followUp.stalled', value.stalled, 0, MAX_STALLED_RUNS) }
      : {}),
  };
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

/**
 * Checks a raw event for the function that handles `action`.
 * @throws MalformedEventError naming the field, the value and what is expected
 */
export function parseEvent(raw: unknown, action: ScheduleAction, options: ParseOptions): RunInput {
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
  const schedule = text(raw, 'schedule', MAX_SCHEDULE);
  const tagKey = text(raw, 'tagKey', MAX_TAG_KEY);
  if (options.deployment) checkDeployment(tagKey, schedule, options.deployment);
  const timeZone = text(raw, 'timeZone', MAX_TIME_ZONE);
  if (!isValidTimeZone(timeZone)) {
    throw new MalformedEventError(
      `timeZone "${timeZone}" is not an IANA time zone such as "America/New_York"`,
    );
  }
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
  let opposite: EventBridgeCron | undefined;
  if (raw.opposite !== undefined) {
    const expression = text(raw, 'opposite', MAX_OPPOSITE);
    try {
      opposite = parseEventBridgeCron(expression);
    } catch (err) {
      throw new MalformedEventError(`opposite "${expression}" ${(err as Error).message}`);
    }
  }
  let scheduledTime: Date | undefined;
  // Invoked by hand with the placeholder left in: treat as "now".
  if (raw.scheduledTime !== undefined && raw.scheduledTime !== SCHEDULED_TIME_ATTRIBUTE) {
    scheduledTime = isoDate('scheduledTime', raw.scheduledTime);
  }
  const followUp = followUpOf(raw.followUp, options, scheduledTime);
  const event: SchedulerEvent = {
    version: 1,
    action,
    schedule,
    tagKey,
    timeZone,
    skipDates: skipDates as string[],
    hibernate: flag(raw, 'hibernate'),
    dryRun: flag(raw, 'dryRun'),
    ...(raw.auditTags !== undefined ? { auditTags: flag(raw, 'auditTags') } : {}),
    ...(raw.verifyTimeoutSeconds !== undefined
      ? { verifyTimeoutSeconds: seconds(raw.verifyTimeoutSeconds) }
      : {}),
    ...(opposite ? { opposite: opposite.expression } : {}),
    ...(scheduledTime ? { scheduledTime: scheduledTime.toISOString() } : {}),
    ...(followUp ? { followUp } : {}),
  };
  return { event, opposite, scheduledTime };
}

/**
 * The deployment from the functions' environment, as the construct sets it.
 * @throws Error when the variables are missing or not what the construct writes
 */
export function deploymentFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: { tagKey: string; schedules: string },
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
  return { tagKey, schedules };
}
