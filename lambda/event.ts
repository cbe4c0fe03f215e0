/** Checks the input a schedule (or a follow-up run) sends, before any API call. */
import { EventBridgeCron, parseEventBridgeCron } from '../lib/cron';
import { isCalendarDate, isValidTimeZone } from '../lib/time-zone';
import {
  BucketSnapshot,
  CarriedInstances,
  FollowUpState,
  SCHEDULED_TIME_ATTRIBUTE,
  ScheduleAction,
  SchedulerEvent,
} from '../lib/event';

export class MalformedEventError extends Error {
  constructor(message: string) {
    super(`malformed event: ${message}`);
    this.name = 'MalformedEventError';
  }
}

/** A checked event, with its parsed parts. */
export interface RunInput {
  readonly event: SchedulerEvent;
  readonly opposite?: EventBridgeCron;
  /** When the schedule fired, if known. */
  readonly scheduledTime?: Date;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function isoDate(field: string, value: unknown): Date {
  const at = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (typeof value !== 'string' || Number.isNaN(at.getTime())) {
    throw new MalformedEventError(
      `${field} ${JSON.stringify(value)} is not an ISO 8601 time such as "2026-11-27T13:00:00Z"`,
    );
  }
  return at;
}

function text(raw: Record<string, unknown>, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new MalformedEventError(`${field} ${JSON.stringify(value)} must be a non-empty string`);
  }
  return value;
}

function flag(raw: Record<string, unknown>, field: string): boolean {
  const value = raw[field] ?? false;
  if (typeof value !== 'boolean') {
    throw new MalformedEventError(`${field} ${JSON.stringify(value)} must be true or false`);
  }
  return value;
}

function seconds(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 900) {
    throw new MalformedEventError(
      `verifyTimeoutSeconds ${JSON.stringify(value)} must be a whole number of seconds from 0 to 900`,
    );
  }
  return value;
}

function followUpOf(value: unknown): FollowUpState | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    throw new MalformedEventError(`followUp ${JSON.stringify(value)} must be an object`);
  }
  const attempt = value.attempt;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1) {
    throw new MalformedEventError(
      `followUp.attempt ${JSON.stringify(attempt)} must be a whole number of at least 1`,
    );
  }
  const notAfter = isoDate('followUp.notAfter', value.notAfter).toISOString();
  let buckets: BucketSnapshot | undefined;
  if (value.buckets !== undefined) {
    const b = value.buckets;
    if (
      !isObject(b) ||
      ![b.request, b.resource, b.at].every((n) => typeof n === 'number' && Number.isFinite(n))
    ) {
      throw new MalformedEventError(
        `followUp.buckets ${JSON.stringify(b)} must be {request, resource, at} numbers`,
      );
    }
    buckets = { request: b.request as number, resource: b.resource as number, at: b.at as number };
  }
  let instances: CarriedInstances | undefined;
  if (value.instances !== undefined) {
    const v = value.instances;
    const ids = (list: unknown) =>
      Array.isArray(list) &&
      list.every((id) => typeof id === 'string' && /^i-[0-9a-f]{8,17}$/.test(id));
    if (!isObject(v) || !ids(v.plain) || !ids(v.hibernate)) {
      throw new MalformedEventError(
        'followUp.instances must be {plain, hibernate}, each a list of instance ids like "i-0123456789abcdef0"',
      );
    }
    instances = { plain: v.plain as string[], hibernate: v.hibernate as string[] };
  }
  if (value.relist !== undefined && typeof value.relist !== 'boolean') {
    throw new MalformedEventError(
      `followUp.relist ${JSON.stringify(value.relist)} must be true or false`,
    );
  }
  return {
    attempt,
    notAfter,
    ...(buckets ? { buckets } : {}),
    ...(instances ? { instances } : {}),
    ...(value.relist ? { relist: true } : {}),
  };
}

/**
 * Checks a raw event for the function that handles `action`.
 * @throws MalformedEventError naming the field, the value and what is expected
 */
export function parseEvent(raw: unknown, action: ScheduleAction): RunInput {
  if (!isObject(raw)) {
    throw new MalformedEventError(
      `expected a JSON object with action, schedule, tagKey and timeZone; got ${JSON.stringify(raw)}`,
    );
  }
  if (raw.version !== undefined && raw.version !== 1) {
    throw new MalformedEventError(`version ${JSON.stringify(raw.version)} is not supported; use 1`);
  }
  if (raw.action !== action) {
    throw new MalformedEventError(
      `action ${JSON.stringify(raw.action)} does not match this function, which only runs "${action}"`,
    );
  }
  const schedule = text(raw, 'schedule');
  const tagKey = text(raw, 'tagKey');
  const timeZone = text(raw, 'timeZone');
  if (!isValidTimeZone(timeZone)) {
    throw new MalformedEventError(
      `timeZone "${timeZone}" is not an IANA time zone such as "America/New_York"`,
    );
  }
  const skipDates = raw.skipDates ?? [];
  if (!Array.isArray(skipDates)) {
    throw new MalformedEventError(`skipDates ${JSON.stringify(skipDates)} must be a list of dates`);
  }
  skipDates.forEach((d, i) => {
    if (typeof d !== 'string' || !isCalendarDate(d)) {
      throw new MalformedEventError(
        `skipDates[${i}] ${JSON.stringify(d)} is not a real date in YYYY-MM-DD form`,
      );
    }
  });
  let opposite: EventBridgeCron | undefined;
  if (raw.opposite !== undefined) {
    const expression = text(raw, 'opposite');
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
  const followUp = followUpOf(raw.followUp);
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
