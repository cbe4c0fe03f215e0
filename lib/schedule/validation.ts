/**
 * Synth-time checks. Every error names the schedule, the field, the value received and the fix.
 * Pure: the construct, the preview and the tests share it.
 */
import { CronError, EventBridgeCron, parseEventBridgeCron } from './cron';
import { firings, nextFiring } from './firings';
import {
  MAX_CRON_EXPRESSION,
  MAX_SCHEDULE_NAME,
  MAX_SKIP_DATES,
  MAX_TAG_KEY,
  MAX_TIME_ZONE,
  MAX_TIMES_PER_SIDE,
} from '../common/limits';
import { DERIVED_TAG_KEYS } from '../common/shared-names';
import type { ScheduleCrons } from './timeline';
import { isCalendarDate, isValidTimeZone, localTimeIn } from './time-zone';

/** Characters EC2 allows in tag keys and values. */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * aws-cdk-lib's encoding of an unresolved string or list token (`${Token[...]}`, `#{Token[...]}`),
 * as `Token.isUnresolved` finds it. This file stays CDK-free for the command-line tool; a name
 * matching this is no valid tag value anyway, so only the message depends on it.
 */
const TOKEN_MARKER = /[$#]\{Token\[[^\]]*\]\}/;

export function validateTagKey(tagKey: string): void {
  if (tagKey.length === 0 || tagKey.length > MAX_TAG_KEY) {
    throw new Error(
      `tagKey "${tagKey}" is ${tagKey.length} characters long; tag keys are 1-${MAX_TAG_KEY} characters`,
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

/** Which optional tags a scheduler (or a spoke role) has turned on. */
export interface DerivedTagOptions {
  readonly auditTags: boolean;
}

/**
 * Checks that every key derived from `tagKey` (`DERIVED_TAG_KEYS`) and in use fits in EC2's 128
 * characters: a longer key can never be stored or read.
 */
export function validateDerivedTagKeys(tagKey: string, options: DerivedTagOptions): void {
  const used = DERIVED_TAG_KEYS.filter(
    (k) => k.turnedOffBy === undefined || options[k.turnedOffBy],
  );
  const tooLong = used.find((k) => tagKey.length + k.suffix.length > MAX_TAG_KEY);
  if (!tooLong) return;
  const longestFitting = (keys: typeof used) =>
    MAX_TAG_KEY - Math.max(...keys.map((k) => k.suffix.length));
  const required = used.filter((k) => k.turnedOffBy === undefined);
  const optional = used
    .filter((k) => k.turnedOffBy !== undefined && tagKey.length + k.suffix.length > MAX_TAG_KEY)
    .map((k) => `${k.turnedOffBy}: false`);
  const turnOff =
    tagKey.length <= longestFitting(required) && optional.length > 0
      ? `, or set ${[...new Set(optional)].join(' and ')}`
      : '';
  const derived = `${tagKey}${tooLong.suffix}`;
  throw new Error(
    `tagKey "${tagKey}" is ${tagKey.length} characters long; ${tooLong.name} "${derived}" derived from it is ${derived.length} characters, and EC2 tag keys are at most ${MAX_TAG_KEY}, so use a tagKey of at most ${longestFitting(used)} characters${turnOff}`,
  );
}

export function validateScheduleName(name: string): void {
  if (TOKEN_MARKER.test(name)) {
    throw new Error(
      `schedule name "${name}" is an unresolved token; the name is the tag value the functions look for and a value of their IAM conditions, both fixed at synth, so give a literal string such as "office-hours"`,
    );
  }
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

export function validateTimeZone(where: string, timeZone: string, field = 'timeZone'): void {
  if (timeZone.length > MAX_TIME_ZONE) {
    throw new Error(
      `${where}${field} "${timeZone}" is ${timeZone.length} characters long; EventBridge Scheduler takes time zones of at most ${MAX_TIME_ZONE} characters, so use an IANA name such as "America/New_York"`,
    );
  }
  if (!isValidTimeZone(timeZone)) {
    throw new Error(
      `${where}${field} "${timeZone}" is not an IANA time zone; use a name such as "America/New_York", "Europe/Berlin" or "UTC"`,
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
  /** Every skip date, tokens included (they count towards the limit). */
  readonly skipDates?: readonly string[];
  /** Whether a value is an unresolved token, which is not checked. @default none is */
  readonly isUnresolved?: (value: string) => boolean;
  /**
   * How messages name the schedule and its fields (the command line's flags; a label for
   * skipDates names each date too). @default - `schedule "<name>": ` and the option names
   */
  readonly labels?: { readonly prefix: string; readonly fields: Partial<Record<Labelled, string>> };
}

/** The fields a schedule's labels may rename. */
type Labelled = 'start' | 'stop' | 'timeZone' | 'skipDates';

function labelOf(input: ScheduleInput, field: Labelled): string {
  return input.labels?.fields[field] ?? field;
}

/** A warning for `Annotations.addWarningV2`: its id (to acknowledge it by) and message. */
export interface SynthWarning {
  readonly id: string;
  readonly message: string;
}

/** A checked schedule: its expressions, and what synth should warn about. */
export interface CheckedSchedule extends ScheduleCrons {
  /** Two different expressions of one side that fire at the same minute. */
  readonly warnings: readonly SynthWarning[];
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
    ...(first === undefined ? [] : [{ field: labelOf(input, action), expression: first }]),
    ...more.map((expression, i) => ({ field: `${listName}[${i}]`, expression })),
  ];
}

/**
 * Checks one schedule: each expression, that no two of one side are the same, that no start and
 * stop share a minute, and the dates.
 * @param now  the instant "never fires" is judged from
 * @returns the parsed expressions, and a warning per pair of one side that shares a minute
 * @throws Error naming the schedule, the field, the value and the fix
 */
export function validateSchedule(input: ScheduleInput, now: Date = new Date()): CheckedSchedule {
  const prefix = input.labels?.prefix ?? `schedule "${input.name}": `;
  if (input.start === undefined && input.stop === undefined) {
    throw new Error(
      `${prefix}has neither start nor stop; give at least one, e.g. stop: 'cron(0 19 ? * MON-FRI *)'`,
    );
  }
  validateTimeZone(prefix, input.timeZone, labelOf(input, 'timeZone'));
  const check = (f: Field) => checkExpression(prefix, f, input.timeZone, now);
  const resolved = (action: 'start' | 'stop') =>
    fieldsOf(input, action).filter((f) => !input.isUnresolved?.(f.expression));
  const starts = resolved('start');
  const stops = resolved('stop');
  const crons = { starts: starts.map(check), stops: stops.map(check) };
  const side = (action: 'start' | 'stop', fields: Field[], parsed: EventBridgeCron[]) =>
    checkSide(prefix, action, fields, parsed, input.timeZone, now);
  const warnings = [...side('start', starts, crons.starts), ...side('stop', stops, crons.stops)];
  starts.forEach((start, i) =>
    stops.forEach((stop, j) => {
      const clash = firstCommonFiring(crons.starts[i], crons.stops[j], input.timeZone, now);
      if (clash) {
        throw new Error(
          `${prefix}${start.field} "${start.expression}" and ${stop.field} "${stop.expression}" both fire at ${localTimeIn(clash, input.timeZone)}; move one of them to another minute`,
        );
      }
    }),
  );
  checkSkipDates(prefix, input);
  return { ...crons, warnings };
}

/** One expression: its length, syntax, and that it fires at all. */
function checkExpression(
  prefix: string,
  { field, expression }: Field,
  timeZone: string,
  now: Date,
): EventBridgeCron {
  if (expression.length > MAX_CRON_EXPRESSION) {
    throw new Error(
      `${prefix}${field} "${expression}" is ${expression.length} characters long; EventBridge Scheduler takes expressions of at most ${MAX_CRON_EXPRESSION}, so shorten it (a range such as 1-5 or a step such as 0/15 is shorter than a list)`,
    );
  }
  let cron: EventBridgeCron;
  try {
    cron = parseEventBridgeCron(expression);
  } catch (err) {
    if (err instanceof CronError) {
      throw new Error(`${prefix}${field} "${expression}" ${err.message}`, { cause: err });
    }
    throw err;
  }
  if (!nextFiring(cron, timeZone, now)) {
    throw new Error(
      `${prefix}${field} "${expression}" never fires after ${localTimeIn(now, timeZone)}; check the day, month and year fields`,
    );
  }
  return cron;
}

/** An expression as EventBridge reads it: letter case and spacing do not matter. */
function normalized(expression: string): string {
  return expression
    .trim()
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/^CRON\( /, 'CRON(')
    .replace(/ \)$/, ')');
}

/**
 * The expressions of one side: the same expression twice is refused; two different ones that
 * share a minute (e.g. a weekday stop and a daily one) are allowed, with a warning.
 */
function checkSide(
  prefix: string,
  action: 'start' | 'stop',
  fields: readonly Field[],
  crons: readonly EventBridgeCron[],
  timeZone: string,
  now: Date,
): SynthWarning[] {
  const warnings: SynthWarning[] = [];
  fields.forEach((a, i) =>
    fields.slice(i + 1).forEach((b, k) => {
      const j = i + 1 + k;
      if (normalized(a.expression) === normalized(b.expression)) {
        throw new Error(
          `${prefix}${b.field} "${b.expression}" is the same expression as ${a.field} "${a.expression}"; the ${action} function would run twice at each of its minutes, so remove ${b.field}`,
        );
      }
      const shared = firstCommonFiring(crons[i], crons[j], timeZone, now);
      if (shared) {
        warnings.push({
          id: 'cdk-ec2-scheduler:sameMinute',
          message: `${prefix}${a.field} "${a.expression}" and ${b.field} "${b.expression}" both fire at ${localTimeIn(shared, timeZone)}, the first such minute; the ${action} function then runs twice, and the second run finds nothing left to ${action}. Move one of them to another minute if that is not meant`,
        });
      }
    }),
  );
  return warnings;
}

/** The skip dates: at most MAX_SKIP_DATES, each a real date (tokens are not checked). */
function checkSkipDates(prefix: string, input: ScheduleInput): void {
  const skipDates = input.skipDates ?? [];
  if (skipDates.length > MAX_SKIP_DATES) {
    throw new Error(
      `${prefix}${labelOf(input, 'skipDates')} has ${skipDates.length} dates; the functions take at most ${MAX_SKIP_DATES} per schedule, so remove dates that have passed or list fewer years ahead`,
    );
  }
  skipDates.forEach((date, index) => {
    if (!input.isUnresolved?.(date) && !isCalendarDate(date)) {
      throw new Error(
        `${prefix}${input.labels?.fields.skipDates ?? `skipDates[${index}]`} "${date}" is not a real date in YYYY-MM-DD form; write e.g. "2026-12-25"`,
      );
    }
  });
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
