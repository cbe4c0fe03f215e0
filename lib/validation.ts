/**
 * Synth-time checks. Every error names the schedule, the field, the value received and the fix.
 * Pure: the construct, the preview and the tests share it.
 */
import { CronError, EventBridgeCron, parseEventBridgeCron } from './cron';
import { firings, nextFiring } from './firings';
import { MAX_TIMES_PER_SIDE } from './schedule-input';
import type { ScheduleCrons } from './timeline';
import { isCalendarDate, isValidTimeZone } from './time-zone';

/** Longest schedule name: EC2's limit on a DescribeInstances filter value. */
const MAX_SCHEDULE_NAME = 255;

/** Characters EC2 allows in tag keys and values. */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function validateTagKey(tagKey: string): void {
  if (tagKey.length === 0 || tagKey.length > 128) {
    throw new Error(
      `tagKey "${tagKey}" is ${tagKey.length} characters long; tag keys are 1-128 characters`,
    );
  }
  if (tagKey.toLowerCase().startsWith('aws:')) {
    throw new Error(
      `tagKey "${tagKey}" starts with "aws:", which AWS reserves; pick a key such as "Schedule"`,
    );
  }
  if (!TAG_CHARS.test(tagKey)) {
    throw new Error(
      `tagKey "${tagKey}" has characters EC2 tags do not allow; use letters, digits, spaces and _ . : / = + - @`,
    );
  }
}

export function validateScheduleName(name: string): void {
  if (name.length === 0) {
    throw new Error(
      'schedule name "" is empty; it is the tag value that opts instances in, so give 1-255 characters',
    );
  }
  // Tag values may have 256 characters, but the functions list a schedule's instances with a
  // DescribeInstances filter, and EC2 refuses filter values over 255.
  if (name.length > MAX_SCHEDULE_NAME) {
    throw new Error(
      `schedule name "${name}" is ${name.length} characters long; the functions find its instances with a DescribeInstances filter, and EC2 takes filter values of 1-${MAX_SCHEDULE_NAME} characters`,
    );
  }
  if (!TAG_CHARS.test(name)) {
    throw new Error(
      `schedule name "${name}" is not a valid tag value; use letters, digits, spaces and _ . : / = + - @`,
    );
  }
}

export function validateTimeZone(where: string, timeZone: string): void {
  if (!isValidTimeZone(timeZone)) {
    throw new Error(
      `${where}timeZone "${timeZone}" is not an IANA time zone; use a name such as "America/New_York", "Europe/Berlin" or "UTC"`,
    );
  }
}

/** What `validateSchedule` takes: the schedule's resolved fields. */
export interface ScheduleInput {
  readonly name: string;
  readonly start?: string;
  readonly stop?: string;
  readonly additionalStarts?: readonly string[];
  readonly additionalStops?: readonly string[];
  readonly timeZone: string;
  readonly skipDates?: readonly string[];
  /** Whether an expression is an unresolved token, which is not checked. @default none is */
  readonly isUnresolved?: (expression: string) => boolean;
}

/** One expression with the field it came from, for error messages. */
interface Field {
  readonly field: string;
  readonly expression: string;
}

/** The start or the stop expressions of a schedule, each named by its field. */
function fieldsOf(input: ScheduleInput, action: 'start' | 'stop'): Field[] {
  const first = action === 'start' ? input.start : input.stop;
  const more = (action === 'start' ? input.additionalStarts : input.additionalStops) ?? [];
  const listName = action === 'start' ? 'additionalStarts' : 'additionalStops';
  if (first === undefined && more.length > 0) {
    throw new Error(
      `schedule "${input.name}": ${listName} is given without ${action}; give the first ${action} time as ${action}, the others in ${listName}`,
    );
  }
  if (1 + more.length > MAX_TIMES_PER_SIDE) {
    throw new Error(
      `schedule "${input.name}": ${listName} has ${more.length} expressions; a schedule takes at most ${MAX_TIMES_PER_SIDE - 1} besides ${action}, so split it into several schedules`,
    );
  }
  return [
    ...(first === undefined ? [] : [{ field: action, expression: first }]),
    ...more.map((expression, i) => ({ field: `${listName}[${i}]`, expression })),
  ];
}

/**
 * Checks one schedule: each expression, that no start and stop share a minute, and the dates.
 * @param now  the instant "never fires" is judged from
 * @throws Error naming the schedule, the field, the value and the fix
 */
export function validateSchedule(input: ScheduleInput, now: Date = new Date()): ScheduleCrons {
  const prefix = `schedule "${input.name}": `;
  if (input.start === undefined && input.stop === undefined) {
    throw new Error(
      `${prefix}has neither start nor stop; give at least one, e.g. stop: 'cron(0 19 ? * MON-FRI *)'`,
    );
  }
  validateTimeZone(prefix, input.timeZone);
  const check = ({ field, expression }: Field): EventBridgeCron => {
    let cron: EventBridgeCron;
    try {
      cron = parseEventBridgeCron(expression);
    } catch (err) {
      if (err instanceof CronError) {
        throw new Error(`${prefix}${field} "${expression}" ${err.message}`, { cause: err });
      }
      throw err;
    }
    if (!nextFiring(cron, input.timeZone, now)) {
      throw new Error(
        `${prefix}${field} "${expression}" never fires after ${now.toISOString()}; check the day, month and year fields`,
      );
    }
    return cron;
  };
  const resolved = (action: 'start' | 'stop') =>
    fieldsOf(input, action).filter((f) => !input.isUnresolved?.(f.expression));
  const starts = resolved('start');
  const stops = resolved('stop');
  const crons = { starts: starts.map(check), stops: stops.map(check) };
  starts.forEach((start, i) =>
    stops.forEach((stop, j) => {
      const clash = firstCommonFiring(crons.starts[i], crons.stops[j], input.timeZone, now);
      if (clash) {
        throw new Error(
          `${prefix}${start.field} "${start.expression}" and ${stop.field} "${stop.expression}" both fire at ${clash.toISOString()}; move one of them to another minute`,
        );
      }
    }),
  );
  (input.skipDates ?? []).forEach((date, index) => {
    if (!isCalendarDate(date)) {
      throw new Error(
        `${prefix}skipDates[${index}] "${date}" is not a real date in YYYY-MM-DD form; write e.g. "2026-12-25"`,
      );
    }
  });
  return crons;
}

/** Looks for a minute at which both expressions fire, over the next year of firings. */
function firstCommonFiring(
  a: EventBridgeCron,
  b: EventBridgeCron,
  timeZone: string,
  now: Date,
): Date | undefined {
  // Firings at the same minute need a shared minute and a shared hour: usually not the case.
  const shares = (x: readonly number[], y: readonly number[]) => x.some((v) => y.includes(v));
  if (!shares(a.minutes, b.minutes) || !shares(a.hours, b.hours)) return undefined;
  const horizon = now.getTime() + 366 * 86_400_000;
  const bTimes = new Set<number>();
  let n = 0;
  for (const at of firings(b, timeZone, now)) {
    if (at.getTime() > horizon || ++n > 5000) break;
    bTimes.add(at.getTime());
  }
  n = 0;
  for (const at of firings(a, timeZone, now)) {
    if (at.getTime() > horizon || ++n > 5000) break;
    if (bTimes.has(at.getTime())) return at;
  }
  return undefined;
}

/** CloudWatch namespaces: 1-255 characters, not the reserved `AWS/` prefix. */
export function validateMetricsNamespace(namespace: string): void {
  if (namespace.length === 0 || namespace.length > 255) {
    throw new Error(
      `metricsNamespace "${namespace}" is ${namespace.length} characters long; CloudWatch namespaces are 1-255 characters, e.g. "Ec2Scheduler"`,
    );
  }
  if (namespace.startsWith('AWS/')) {
    throw new Error(
      `metricsNamespace "${namespace}" starts with "AWS/", which AWS reserves for its services; pick a namespace such as "Ec2Scheduler"`,
    );
  }
  if (!/^[A-Za-z0-9.\-_/#: ]+$/.test(namespace)) {
    throw new Error(
      `metricsNamespace "${namespace}" has characters CloudWatch does not allow; use letters, digits, spaces and . - _ / # :`,
    );
  }
}
