/**
 * EventBridge cron, read.
 *
 * EventBridge Scheduler reads `cron(minutes hours day-of-month month day-of-week year)` with
 * day-of-week 1-7 = SUN-SAT, a year field, `?`, `L`, `W` and `#`, and matches it against the
 * local wall-clock time of the schedule's zone. This module parses and checks the expression
 * field by field, so errors name the field and the fix, into sorted values and a day rule;
 * `firings.ts` evaluates it.
 *
 * Pure (no aws-cdk-lib import): the synth-time validation, the preview and the Lambda handlers
 * share it.
 */

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
/** The last year an EventBridge cron expression can name. */
export const LAST_YEAR = 2199;
const YEARS: FieldSpec = { name: 'year', plural: 'years', min: 1970, max: LAST_YEAR };

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
