/**
 * EventBridge cron adapter over cron-parser.
 *
 * EventBridge Scheduler reads `cron(minutes hours day-of-month month day-of-week year)` with
 * day-of-week 1-7 = SUN-SAT, a year field, `?`, `L`, `W` and `#`. cron-parser 5 reads 5-field
 * cron with day-of-week 0-7 (Sunday 0 or 7), no year and no `W`. This module parses and checks
 * the EventBridge form field by field (so errors name the field and the fix), translates it for
 * cron-parser, and applies what cron-parser cannot express (year, `W`, and EventBridge
 * Scheduler's daylight-saving rules) as filters over its output.
 *
 * It is pure (no aws-cdk-lib import) so the synth-time validation, the preview and the Lambda
 * handlers share one implementation.
 */
import { CronDate, CronExpressionParser } from 'cron-parser';

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

/** Day-of-month rules that cron-parser cannot express, applied as a filter. */
type WeekdayRule = { readonly kind: 'nearest'; readonly day: number } | { readonly kind: 'last' };

/** A checked EventBridge cron expression. */
export interface EventBridgeCron {
  /** The expression as given, `cron(...)`. */
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** Allowed years, or undefined for every year. */
  readonly years?: ReadonlySet<number>;
  /** `nW` / `LW` in day-of-month. */
  readonly weekdayRule?: WeekdayRule;
  /** The 5-field expression handed to cron-parser. */
  readonly parserExpression: string;
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

  let domPart = '*';
  let weekdayRule: WeekdayRule | undefined;
  if (dom !== '?') {
    const parsed = parseDayOfMonth(dom);
    domPart = parsed.parser;
    weekdayRule = parsed.weekdayRule;
  }
  const dowPart = dow === '?' ? '*' : parseDayOfWeek(dow);

  const parserExpression = [
    listOf(minutes, MINUTES),
    listOf(hours, HOURS),
    domPart,
    listOf(months, MONTHS),
    dowPart,
  ].join(' ');
  try {
    CronExpressionParser.parse(parserExpression, { tz: 'UTC' });
  } catch {
    throw new CronError(
      `never fires: day-of-month "${dom}" does not occur in month "${month}"; pick days that exist in those months`,
    );
  }
  return {
    expression: expression.trim(),
    minutes,
    hours,
    years,
    weekdayRule,
    parserExpression,
  };
}

function listOf(values: ReadonlySet<number>, spec: FieldSpec): string {
  return values.size === spec.max - spec.min + 1
    ? '*'
    : [...values].sort((a, b) => a - b).join(',');
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

/** Parses `*`, `a`, `a-b`, `a/n`, `a-b/n`, `*\/n` and comma lists into a set of values. */
function parseNumericField(field: string, spec: FieldSpec): Set<number> {
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
  return values;
}

function parseDayOfMonth(field: string): { parser: string; weekdayRule?: WeekdayRule } {
  const upper = field.toUpperCase();
  if (upper === 'L') return { parser: 'L' };
  if (upper === 'LW') return { parser: '*', weekdayRule: { kind: 'last' } };
  const w = /^(\d+)W$/.exec(upper);
  if (w) {
    const day = valueOf(w[1], DAYS_OF_MONTH);
    return { parser: '*', weekdayRule: { kind: 'nearest', day } };
  }
  if (/[LW]/.test(upper)) {
    throw new CronError(
      `has day-of-month "${field}"; use L, LW or nW (e.g. 15W) on their own, not in a list or range`,
    );
  }
  return { parser: listOf(parseNumericField(field, DAYS_OF_MONTH), DAYS_OF_MONTH) };
}

/** Translates EventBridge day-of-week (1-7 = SUN-SAT) to cron-parser (0-6 = SUN-SAT). */
function parseDayOfWeek(field: string): string {
  const upper = field.toUpperCase();
  if (upper === 'L') return '6';
  const last = /^(\w+)L$/.exec(upper);
  if (last) return `${valueOf(last[1], DAYS_OF_WEEK) - 1}L`;
  const nth = /^(\w+)#(\d+)$/.exec(upper);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) {
      throw new CronError(
        `has day-of-week "${field}"; the week after "#" is 1-5 (e.g. MON#1 for the first Monday)`,
      );
    }
    return `${valueOf(nth[1], DAYS_OF_WEEK) - 1}#${n}`;
  }
  if (/[L#]/.test(upper)) {
    throw new CronError(
      `has day-of-week "${field}"; use nL or n#k (e.g. 6L, MON#2) on their own, not in a list or range`,
    );
  }
  const days = parseNumericField(field, DAYS_OF_WEEK);
  return days.size === 7
    ? '*'
    : [...days]
        .map((d) => d - 1)
        .sort((a, b) => a - b)
        .join(',');
}

/** The day of month that `nW` or `LW` selects in the given month. */
function weekdayRuleDay(rule: WeekdayRule, year: number, month: number): number {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const weekday = (day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (rule.kind === 'last') {
    let day = daysInMonth;
    while (weekday(day) === 0 || weekday(day) === 6) day--;
    return day;
  }
  const day = Math.min(rule.day, daysInMonth);
  const wd = weekday(day);
  if (wd === 6) return day > 1 ? day - 1 : day + 2;
  if (wd === 0) return day < daysInMonth ? day + 1 : day - 2;
  return day;
}

const MAX_SCAN = 100_000;

interface Candidate {
  readonly at: number;
  /**
   * False when cron-parser moved a local time that does not exist (the hour skipped when
   * daylight saving starts) to a later time.
   */
  readonly exists: boolean;
  /** The local wall time, as a key. */
  readonly wall: string;
}

/** cron-parser's dates for the expression, with the year and `W` rules applied. */
function* candidates(
  cron: EventBridgeCron,
  timeZone: string,
  after: Date,
): Generator<Candidate, void, undefined> {
  const start = (from: CronDate) =>
    CronExpressionParser.parse(cron.parserExpression, { currentDate: from, tz: timeZone });
  let iterator = start(new CronDate(after, timeZone));
  for (let scanned = 0; scanned < MAX_SCAN; scanned++) {
    let next: CronDate;
    try {
      next = iterator.next();
    } catch {
      return; // cron-parser found no further date (e.g. 30 February)
    }
    const year = next.getFullYear();
    if (year > YEARS.max) return;
    let restartFrom: CronDate | undefined;
    if (cron.years && !cron.years.has(year)) {
      const later = [...cron.years].filter((y) => y > year);
      if (later.length === 0) return;
      const target = Math.min(...later);
      const startOfYear = new CronDate(Date.UTC(target, 0, 1) - 15 * 3600_000, timeZone);
      while (startOfYear.getFullYear() < target) startOfYear.addDay();
      restartFrom = new CronDate(startOfYear.getTime() - 1, timeZone);
    } else if (
      cron.weekdayRule &&
      next.getDate() !== weekdayRuleDay(cron.weekdayRule, year, next.getMonth() + 1)
    ) {
      restartFrom = new CronDate(next, timeZone);
      restartFrom.addDay();
      restartFrom = new CronDate(restartFrom.getTime() - 1, timeZone);
    }
    if (restartFrom) {
      iterator = start(restartFrom);
      continue;
    }
    yield {
      at: next.getTime(),
      exists: cron.hours.has(next.getHours()) && cron.minutes.has(next.getMinutes()),
      wall: `${year}-${next.getMonth()}-${next.getDate()} ${next.getHours()}:${next.getMinutes()}`,
    };
  }
}

/**
 * Yields the instants at which EventBridge Scheduler fires the expression in `timeZone`,
 * strictly after `after`, in order.
 *
 * Daylight saving follows EventBridge Scheduler's documented behaviour: a local time that does
 * not exist (spring forward) is skipped, and a local time that occurs twice (fall back) fires
 * once. Which of the two instants it fires at is not documented; this takes the first.
 */
export function* firings(
  cron: EventBridgeCron,
  timeZone: string,
  after: Date,
): Generator<Date, void, undefined> {
  let previous = Number.NEGATIVE_INFINITY;
  // Local wall times fired lately: a time repeated when daylight saving ends fires once.
  const recent = new Map<string, number>();
  for (const { at, exists, wall } of candidates(cron, timeZone, after)) {
    if (!exists || at <= previous || at <= after.getTime()) continue;
    const firedAt = recent.get(wall);
    if (firedAt !== undefined && at - firedAt <= 3 * 3600_000) continue;
    recent.set(wall, at);
    if (recent.size > 1000) recent.clear();
    previous = at;
    yield new Date(at);
  }
}

/**
 * The firings, up to `until`, that fall in the hour daylight saving skips, so EventBridge
 * Scheduler does not fire them at all. Each is returned as the instant cron-parser moved it to.
 * Only the days around the zone's clock changes are scanned.
 */
export function skippedByDaylightSaving(
  cron: EventBridgeCron,
  timeZone: string,
  after: Date,
  until: Date,
): Date[] {
  const out: Date[] = [];
  for (const change of clockChanges(timeZone, after, until)) {
    if (change.toMinutes <= change.fromMinutes) continue; // falling back skips nothing
    // The local times that do not exist: [wall clock just before the change, + the jump).
    const w = wallClock(new Date(change.at - 60_000), timeZone);
    const gapStart = (Number(w.hour) * 60 + Number(w.minute) + 1) % 1440;
    const gapEnd = gapStart + (change.toMinutes - change.fromMinutes);
    const inGap = [...cron.hours].some((h) =>
      [...cron.minutes].some((m) => {
        const t = h * 60 + m;
        return (t >= gapStart && t < gapEnd) || t + 1440 < gapEnd;
      }),
    );
    if (!inGap) continue;
    const from = new Date(change.at - 86_400_000);
    for (const { at, exists } of candidates(cron, timeZone, from)) {
      if (at > change.at + 86_400_000) break;
      if (!exists) out.push(new Date(at));
    }
  }
  return out;
}

const wallFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in a time zone. */
export function wallClock(at: Date, timeZone: string): Record<string, string> {
  let format = wallFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallFormatters.set(timeZone, format);
  }
  return Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
}

/** The zone's offset from UTC at an instant, in minutes (New York in winter: -300). */
export function utcOffsetMinutes(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const wall = Date.UTC(+w.year, +w.month - 1, +w.day, +w.hour, +w.minute, +w.second);
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** A change of the zone's UTC offset: daylight saving starting or ending. */
export interface ClockChange {
  /** The first instant with the new offset (ms). */
  readonly at: number;
  readonly fromMinutes: number;
  readonly toMinutes: number;
}

/** The zone's offset changes in (after, until], found by a daily scan and a bisection. */
export function clockChanges(timeZone: string, after: Date, until: Date): ClockChange[] {
  // Calls within the same hour share a scan (synth checks every schedule at nearly one time).
  const hour = 3_600_000;
  after = new Date(Math.floor(after.getTime() / hour) * hour);
  until = new Date(Math.ceil(until.getTime() / hour) * hour);
  const key = `${timeZone} ${after.getTime()} ${until.getTime()}`;
  const cached = changeCache.get(key);
  if (cached) return cached;
  const out: ClockChange[] = [];
  const step = 86_400_000;
  let t = after.getTime();
  let offset = utcOffsetMinutes(after, timeZone);
  while (t < until.getTime()) {
    const next = Math.min(t + step, until.getTime());
    const nextOffset = utcOffsetMinutes(new Date(next), timeZone);
    if (nextOffset !== offset) {
      let lo = t;
      let hi = next;
      while (hi - lo > 60_000) {
        const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
        if (mid <= lo || mid >= hi) break;
        if (utcOffsetMinutes(new Date(mid), timeZone) === offset) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi, fromMinutes: offset, toMinutes: nextOffset });
      offset = nextOffset;
    }
    t = next;
  }
  if (changeCache.size > 100) changeCache.clear();
  changeCache.set(key, out);
  return out;
}

const changeCache = new Map<string, ClockChange[]>();

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

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${w.year}-${w.month}-${w.day}`;
}

/** True when `timeZone` is an IANA time zone name that this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    // Intl accepts any letter case; EventBridge wants the name as IANA spells it.
    return resolved.toLowerCase() !== timeZone.toLowerCase() || resolved === timeZone;
  } catch {
    return false;
  }
}

/** True when `date` is a real calendar date in `YYYY-MM-DD` form. */
export function isCalendarDate(date: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}
