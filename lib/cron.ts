/**
 * EventBridge cron, read and evaluated.
 *
 * EventBridge Scheduler reads `cron(minutes hours day-of-month month day-of-week year)` with
 * day-of-week 1-7 = SUN-SAT, a year field, `?`, `L`, `W` and `#`, and matches it against the
 * local wall-clock time of the schedule's zone. This module parses and checks the expression
 * field by field (so errors name the field and the fix), and evaluates it in two steps:
 * the calendar fields give the matching wall times in order (`wallTimes`, jumping over years
 * and months that cannot match), and `time-zone.ts` turns each wall time into the instant it
 * fires, with EventBridge Scheduler's daylight-saving rules (`firings`).
 *
 * Evaluation does not use cron-parser: around clock changes its zone handling drops, moves and
 * loses firings, and even run in UTC it steps day by day at about a millisecond a firing, with
 * neither a year field nor `W`. Matching sorted lists of integers is all that remained for it.
 *
 * It is pure (no aws-cdk-lib import) so the synth-time validation, the preview and the Lambda
 * handlers share one implementation.
 */
import { clockChanges, formatWallTime, instantsOf, wallTimeOf } from './time-zone';

const MINUTE = 60_000;

/** A cron expression that EventBridge would reject, or that never fires. */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

interface FieldSpec {
  readonly name: string;
  /** Plural used in range messages: "hours are 0-23". */
  readonly plural: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MINUTES: FieldSpec = { name: 'minute', plural: 'minutes', min: 0, max: 59 };
const HOURS: FieldSpec = { name: 'hour', plural: 'hours', min: 0, max: 23 };
const DAYS_OF_MONTH: FieldSpec = { name: 'day-of-month', plural: 'days of month', min: 1, max: 31 };
const MONTHS: FieldSpec = {
  name: 'month',
  plural: 'months',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
const DAYS_OF_WEEK: FieldSpec = {
  name: 'day-of-week',
  plural: 'days of week',
  min: 1,
  max: 7,
  names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
};
const YEARS: FieldSpec = { name: 'year', plural: 'years', min: 1970, max: 2199 };

/** Which days of a month match: the day-of-month or the day-of-week field, read. */
export type DayRule =
  /** Listed days of the month (those past the month's end never match). */
  | { readonly kind: 'monthDays'; readonly days: readonly number[] }
  /** `L` in day-of-month. */
  | { readonly kind: 'lastDay' }
  /** `LW`. */
  | { readonly kind: 'lastWeekday' }
  /** `nW`: the weekday nearest day n within the month; none when the month has no day n. */
  | { readonly kind: 'nearestWeekday'; readonly day: number }
  /** Listed days of the week, 0 = Sunday (as `Date.getUTCDay`). */
  | { readonly kind: 'weekdays'; readonly weekdays: readonly number[] }
  /** `nL` in day-of-week: the last such weekday of the month. */
  | { readonly kind: 'lastOfWeekday'; readonly weekday: number }
  /** `d#n`: the n-th such weekday of the month; none in months without one. */
  | { readonly kind: 'nthWeekday'; readonly weekday: number; readonly n: number };

/** A checked EventBridge cron expression, its fields read into sorted values. */
export interface EventBridgeCron {
  /** The expression as given, `cron(...)`. */
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly days: DayRule;
  /** 1-12. */
  readonly months: readonly number[];
  /** Allowed years, or undefined for every year. */
  readonly years?: readonly number[];
}

const CRON_RE = /^cron\((.*)\)$/s;

/**
 * Parses and checks an EventBridge cron expression.
 * @throws CronError with a message that names the field, the value and the allowed form.
 */
export function parseEventBridgeCron(expression: string): EventBridgeCron {
  const match = CRON_RE.exec(expression.trim());
  if (!match) {
    throw new CronError(
      'is not a cron expression; write cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 8 ? * MON-FRI *)',
    );
  }
  const fields = match[1].trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 6) {
    throw new CronError(
      `has ${fields.length} field${fields.length === 1 ? '' : 's'}; EventBridge cron has 6: minutes hours day-of-month month day-of-week year, e.g. cron(0 8 ? * MON-FRI *)`,
    );
  }
  const [min, hour, dom, month, dow, year] = fields;
  if ((dom === '?') === (dow === '?')) {
    throw new CronError(
      `has day-of-month "${dom}" and day-of-week "${dow}"; exactly one of them must be "?" (e.g. "? * MON-FRI" or "1 * ?")`,
    );
  }
  const minutes = parseNumericField(min, MINUTES);
  const hours = parseNumericField(hour, HOURS);
  const months = parseNumericField(month, MONTHS);
  const years = year === '*' ? undefined : parseNumericField(year, YEARS);
  const days = dom === '?' ? parseDayOfWeek(dow) : parseDayOfMonth(dom);
  if (days.kind === 'monthDays' && days.days[0] > Math.max(...months.map(longestMonth))) {
    throw new CronError(
      `never fires: day-of-month "${dom}" does not occur in month "${month}"; pick days that exist in those months`,
    );
  }
  return { expression: expression.trim(), minutes, hours, days, months, years };
}

/** The most days month m (1-12) can have. */
function longestMonth(m: number): number {
  return m === 2 ? 29 : new Date(Date.UTC(2001, m, 0)).getUTCDate();
}

function valueOf(token: string, spec: FieldSpec): number {
  const upper = token.toUpperCase();
  if (spec.names) {
    const index = spec.names.indexOf(upper);
    if (index >= 0) return index + spec.min;
  }
  if (!/^\d+$/.test(token)) {
    const named = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
    throw new CronError(
      `has ${spec.name} "${token}"; ${spec.plural} are ${spec.min}-${spec.max}${named}`,
    );
  }
  const value = Number(token);
  if (value < spec.min || value > spec.max) {
    throw new CronError(`has ${spec.name} ${value}; ${spec.plural} are ${spec.min}-${spec.max}`);
  }
  return value;
}

/** Parses `*`, `a`, `a-b`, `a/n`, `a-b/n`, `*\/n` and comma lists into sorted values. */
function parseNumericField(field: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    if (item === '') {
      throw new CronError(
        `has ${spec.name} "${field}" with an empty list item; remove the extra comma`,
      );
    }
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) {
      throw new CronError(`has ${spec.name} "${item}"; use one "/" as in "0/15"`);
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        throw new CronError(
          `has ${spec.name} "${item}"; the step after "/" must be a whole number of at least 1`,
        );
      }
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*') {
      low = spec.min;
      high = spec.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || a === '' || b === '') {
        throw new CronError(`has ${spec.name} "${item}"; write a range as low-high, e.g. 1-5`);
      }
      low = valueOf(a, spec);
      high = valueOf(b, spec);
      if (low > high) {
        throw new CronError(
          `has ${spec.name} range "${range}" that runs backwards; write the lower value first`,
        );
      }
    } else {
      low = valueOf(range, spec);
      high = stepText === undefined ? low : spec.max;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parseDayOfMonth(field: string): DayRule {
  const upper = field.toUpperCase();
  if (upper === 'L') return { kind: 'lastDay' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const w = /^(\d+)W$/.exec(upper);
  if (w) return { kind: 'nearestWeekday', day: valueOf(w[1], DAYS_OF_MONTH) };
  if (/[LW]/.test(upper)) {
    throw new CronError(
      `has day-of-month "${field}"; use L, LW or nW (e.g. 15W) on their own, not in a list or range`,
    );
  }
  return { kind: 'monthDays', days: parseNumericField(field, DAYS_OF_MONTH) };
}

/** Reads day-of-week: EventBridge's 1-7 = SUN-SAT become 0-6 as `Date.getUTCDay` counts. */
function parseDayOfWeek(field: string): DayRule {
  const upper = field.toUpperCase();
  if (upper === 'L') return { kind: 'weekdays', weekdays: [6] }; // L alone: Saturday
  const last = /^(\w+)L$/.exec(upper);
  if (last) return { kind: 'lastOfWeekday', weekday: valueOf(last[1], DAYS_OF_WEEK) - 1 };
  const nth = /^(\w+)#(\d+)$/.exec(upper);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) {
      throw new CronError(
        `has day-of-week "${field}"; the week after "#" is 1-5 (e.g. MON#1 for the first Monday)`,
      );
    }
    return { kind: 'nthWeekday', weekday: valueOf(nth[1], DAYS_OF_WEEK) - 1, n };
  }
  if (/[L#]/.test(upper)) {
    throw new CronError(
      `has day-of-week "${field}"; use nL or n#k (e.g. 6L, MON#2) on their own, not in a list or range`,
    );
  }
  return { kind: 'weekdays', weekdays: parseNumericField(field, DAYS_OF_WEEK).map((d) => d - 1) };
}

/** The days of the month (1-31, ascending) that a day rule selects. */
function daysOf(rule: DayRule, year: number, month: number): number[] {
  const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const weekdayOf = (day: number) => (firstWeekday + day - 1) % 7;
  const isWeekend = (day: number) => weekdayOf(day) === 0 || weekdayOf(day) === 6;
  switch (rule.kind) {
    case 'monthDays':
      return rule.days.filter((d) => d <= length);
    case 'lastDay':
      return [length];
    case 'lastWeekday': {
      let day = length;
      while (isWeekend(day)) day--;
      return [day];
    }
    case 'nearestWeekday': {
      const day = rule.day;
      if (day > length) return [];
      if (weekdayOf(day) === 6) return [day > 1 ? day - 1 : day + 2];
      if (weekdayOf(day) === 0) return [day < length ? day + 1 : day - 2];
      return [day];
    }
    case 'weekdays': {
      const out: number[] = [];
      for (let day = 1; day <= length; day++) {
        if (rule.weekdays.includes(weekdayOf(day))) out.push(day);
      }
      return out;
    }
    case 'lastOfWeekday':
      return [length - ((weekdayOf(length) - rule.weekday + 7) % 7)];
    case 'nthWeekday': {
      const day = 1 + ((rule.weekday - firstWeekday + 7) % 7) + 7 * (rule.n - 1);
      return day <= length ? [day] : [];
    }
  }
}

/**
 * The wall times (see `time-zone.ts`) the expression matches, from `from` on (inclusive), in
 * order, up to the end of 2199. Years and months that cannot match are passed over whole, so a
 * first firing decades ahead is found as fast as tomorrow's.
 */
function* wallTimes(cron: EventBridgeCron, from: number): Generator<number, void, undefined> {
  const f = new Date(from);
  const [fy, fm, fd, fh, fmin] = [
    f.getUTCFullYear(),
    f.getUTCMonth() + 1,
    f.getUTCDate(),
    f.getUTCHours(),
    f.getUTCMinutes(),
  ];
  const years = cron.years ?? Array.from({ length: YEARS.max - fy + 1 }, (_, i) => fy + i);
  for (const year of years) {
    if (year < fy) continue;
    for (const month of cron.months) {
      if (year === fy && month < fm) continue;
      const sameMonth = year === fy && month === fm;
      for (const day of daysOf(cron.days, year, month)) {
        if (sameMonth && day < fd) continue;
        const sameDay = sameMonth && day === fd;
        for (const hour of cron.hours) {
          if (sameDay && hour < fh) continue;
          const sameHour = sameDay && hour === fh;
          for (const minute of cron.minutes) {
            if (sameHour && minute < fmin) continue;
            yield Date.UTC(year, month - 1, day, hour, minute);
          }
        }
      }
    }
  }
}

/**
 * Yields the instants at which EventBridge Scheduler fires the expression in `timeZone`,
 * strictly after `after`, in order.
 *
 * The expression is matched against local wall-clock time, with EventBridge Scheduler's
 * documented daylight-saving behaviour: a local time that does not exist (clocks jump over it)
 * is skipped, and a local time that occurs twice (clocks go back over it) fires once. Which of
 * the two instants fires is not documented; this takes the first.
 *
 * Taking the first instant of each wall time keeps wall-time order and time order the same, so
 * the wall times from the one `after` shows on need be looked at, and no others.
 * @throws Error naming the expression and the instant if cron-parser fails unexpectedly
 */
export function* firings(
  cron: EventBridgeCron,
  timeZone: string,
  after: Date,
): Generator<Date, void, undefined> {
  const afterMs = after.getTime();
  const from = Math.floor(wallTimeOf(timeZone, afterMs) / MINUTE) * MINUTE;
  for (const wallTime of wallTimes(cron, from)) {
    const [first] = instantsOf(timeZone, wallTime);
    if (first !== undefined && first > afterMs) yield new Date(first);
  }
}

/** A firing that daylight saving removes: its local time does not exist that day. */
export interface SkippedFiring {
  /** The local time, `YYYY-MM-DDTHH:MM`. */
  readonly localTime: string;
  /** The clock change that skips it. */
  readonly clockChange: Date;
}

/**
 * The firings in (after, until] whose local time falls in a gap that a clock change jumps over,
 * so EventBridge Scheduler does not fire them at all. Only the gaps are scanned.
 */
export function skippedByDaylightSaving(
  cron: EventBridgeCron,
  timeZone: string,
  after: Date,
  until: Date,
): SkippedFiring[] {
  const out: SkippedFiring[] = [];
  for (const change of clockChanges(timeZone, after, until)) {
    if (change.toMinutes <= change.fromMinutes) continue; // falling back skips nothing
    // The local times from the last one before the change to the first one after it.
    const gapStart = change.at + change.fromMinutes * MINUTE;
    const gapEnd = change.at + change.toMinutes * MINUTE;
    for (const wallTime of wallTimes(cron, gapStart)) {
      if (wallTime >= gapEnd) break;
      out.push({ localTime: formatWallTime(wallTime), clockChange: new Date(change.at) });
    }
  }
  return out;
}

/** The first `count` firings after `after` (fewer when the expression stops firing). */
export function nextFirings(
  cron: EventBridgeCron,
  timeZone: string,
  after: Date,
  count: number,
): Date[] {
  const out: Date[] = [];
  if (count <= 0) return out;
  for (const at of firings(cron, timeZone, after)) {
    out.push(at);
    if (out.length >= count) break;
  }
  return out;
}

/** The first firing after `after`, or undefined when the expression never fires again. */
export function nextFiring(cron: EventBridgeCron, timeZone: string, after: Date): Date | undefined {
  return nextFirings(cron, timeZone, after, 1)[0];
}
