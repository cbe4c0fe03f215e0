/**
 * An independent, brute-force reading of EventBridge Scheduler cron expressions, used as the
 * oracle for the library's cron engine. Written from the EventBridge docs and the rules below,
 * for obviousness over speed; it imports nothing from `lib/`.
 *
 * - The expression is matched against the zone's local wall clock, minute by minute.
 * - A local time that does not exist (clocks spring forward over it) never fires.
 * - A local time that occurs twice (clocks fall back) fires once, at its first instant.
 * - `nW` for a day n the month does not have (31W in April) does not fire that month.
 */
import { offsetMinutesAt } from './zone-offsets';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** How far before `from` the walk starts, so that a repeated hour's first pass is seen. */
const LOOKBACK_MS = 48 * HOUR_MS;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A day-of-month item: a set of days, `L`, `LW` or `nW`. */
export type DayOfMonthItem =
  | { readonly kind: 'days'; readonly days: readonly boolean[] }
  | { readonly kind: 'last' }
  | { readonly kind: 'lastWeekday' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** A day-of-week item (1 = SUN ... 7 = SAT): a set of weekdays, `nL` or `d#k`. */
export type DayOfWeekItem =
  | { readonly kind: 'weekdays'; readonly weekdays: readonly boolean[] }
  | { readonly kind: 'lastOfMonth'; readonly weekday: number }
  | { readonly kind: 'nth'; readonly weekday: number; readonly nth: number };

/** A parsed expression; each boolean array is indexed by the field's value. */
export interface ReferenceCron {
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  /** Indexed 1-12. */
  readonly months: readonly boolean[];
  /** Indexed by year - 1970. */
  readonly years: readonly boolean[];
  /** Null for `?`. */
  readonly dayOfMonth: readonly DayOfMonthItem[] | null;
  /** Null for `?`. */
  readonly dayOfWeek: readonly DayOfWeekItem[] | null;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names for min, min + 1, ... (case-insensitive). */
  readonly names?: readonly string[];
}

const MINUTE: FieldSpec = { name: 'minutes', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hours', min: 0, max: 23 };
const DAY: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS };
const WEEKDAY: FieldSpec = { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS };
const YEAR: FieldSpec = { name: 'year', min: 1970, max: 2199 };

function value(text: string, spec: FieldSpec, expression: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? spec.min + named : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= spec.min && n <= spec.max)) {
    throw new Error(`${expression}: ${spec.name} "${text}" is not ${spec.min}-${spec.max}`);
  }
  return n;
}

/** `*`, `a`, `a-b`, `*\/n`, `a/n` and `a-b/n` items, comma-separated, as a boolean array. */
function plainField(text: string, spec: FieldSpec, expression: string): boolean[] {
  const set: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) throw new Error(`${expression}: ${spec.name} item "${item}"`);
    if (stepText !== undefined && !/^[1-9]\d*$/.test(stepText)) {
      throw new Error(`${expression}: ${spec.name} step "${stepText}" is not a whole number >= 1`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    let low: number;
    let high: number;
    if (range === '*') {
      [low, high] = [spec.min, spec.max];
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new Error(`${expression}: ${spec.name} range "${range}"`);
      [low, high] = [value(a, spec, expression), value(b, spec, expression)];
      if (low > high) throw new Error(`${expression}: ${spec.name} range "${range}" runs back`);
    } else {
      low = value(range, spec, expression);
      high = stepText === undefined ? low : spec.max;
    }
    for (let v = low; v <= high; v += step) set[v] = true;
  }
  return set;
}

function dayOfMonthItems(text: string, expression: string): DayOfMonthItem[] {
  return text.split(',').map((item): DayOfMonthItem => {
    const upper = item.toUpperCase();
    if (upper === 'L') return { kind: 'last' };
    if (upper === 'LW') return { kind: 'lastWeekday' };
    const nearest = /^(\d+)W$/.exec(upper);
    if (nearest) return { kind: 'nearestWeekday', day: value(nearest[1], DAY, expression) };
    return { kind: 'days', days: plainField(item, DAY, expression) };
  });
}

function dayOfWeekItems(text: string, expression: string): DayOfWeekItem[] {
  return text.split(',').map((item): DayOfWeekItem => {
    const upper = item.toUpperCase();
    // `L` alone is the last day of the week: Saturday.
    if (upper === 'L') return { kind: 'weekdays', weekdays: plainField('7', WEEKDAY, expression) };
    const last = /^(\w+)L$/.exec(upper);
    if (last) return { kind: 'lastOfMonth', weekday: value(last[1], WEEKDAY, expression) };
    const nth = /^(\w+)#(\d+)$/.exec(upper);
    if (nth) {
      const k = Number(nth[2]);
      if (k < 1 || k > 5) throw new Error(`${expression}: "${item}" asks for week ${k}; 1-5`);
      return { kind: 'nth', weekday: value(nth[1], WEEKDAY, expression), nth: k };
    }
    return { kind: 'weekdays', weekdays: plainField(item, WEEKDAY, expression) };
  });
}

/**
 * Parses `cron(minutes hours day-of-month month day-of-week year)`.
 * @throws Error for anything this reference does not read (it is stricter than EventBridge in
 * places, e.g. ranges that wrap around)
 */
export function parseReferenceCron(expression: string): ReferenceCron {
  const body = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = body ? body[1].trim().split(/\s+/) : [];
  if (fields.length !== 6) throw new Error(`${expression}: not cron() with six fields`);
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new Error(`${expression}: exactly one of day-of-month and day-of-week must be "?"`);
  }
  const years = plainField(year, YEAR, expression).slice(YEAR.min);
  return {
    minutes: plainField(minutes, MINUTE, expression),
    hours: plainField(hours, HOUR, expression),
    months: plainField(month, MONTH, expression),
    years,
    dayOfMonth: dayOfMonth === '?' ? null : dayOfMonthItems(dayOfMonth, expression),
    dayOfWeek: dayOfWeek === '?' ? null : dayOfWeekItems(dayOfWeek, expression),
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday ... 7 = Saturday. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isMondayToFriday(year: number, month: number, day: number): boolean {
  const weekday = weekdayOf(year, month, day);
  return weekday >= 2 && weekday <= 6;
}

/** The weekday nearest day `n` within the month, or null when the month has no day `n`. */
export function nearestWeekday(year: number, month: number, n: number): number | null {
  const last = daysInMonth(year, month);
  if (n > last) return null;
  const weekday = weekdayOf(year, month, n);
  if (weekday === 7) return n === 1 ? 3 : n - 1; // Saturday: Friday before, or Monday the 3rd
  if (weekday === 1) return n === last ? n - 2 : n + 1; // Sunday: Monday after, or Friday
  return n;
}

function dayOfMonthMatches(
  item: DayOfMonthItem,
  year: number,
  month: number,
  day: number,
): boolean {
  const last = daysInMonth(year, month);
  switch (item.kind) {
    case 'days':
      return item.days[day];
    case 'last':
      return day === last;
    case 'lastWeekday': {
      let d = last;
      while (!isMondayToFriday(year, month, d)) d--;
      return day === d;
    }
    case 'nearestWeekday':
      return nearestWeekday(year, month, item.day) === day;
  }
}

function dayOfWeekMatches(item: DayOfWeekItem, year: number, month: number, day: number): boolean {
  const weekday = weekdayOf(year, month, day);
  switch (item.kind) {
    case 'weekdays':
      return item.weekdays[weekday];
    case 'lastOfMonth':
      return weekday === item.weekday && day + 7 > daysInMonth(year, month);
    case 'nth':
      return weekday === item.weekday && Math.ceil(day / 7) === item.nth;
  }
}

/** Whether the local date matches the year, month, day-of-month and day-of-week fields. */
export function dateMatches(
  cron: ReferenceCron,
  year: number,
  month: number,
  day: number,
): boolean {
  if (!cron.years[year - YEAR.min] || !cron.months[month]) return false;
  const dom = cron.dayOfMonth;
  const dow = cron.dayOfWeek;
  if (dom && !dom.some((item) => dayOfMonthMatches(item, year, month, day))) return false;
  if (dow && !dow.some((item) => dayOfWeekMatches(item, year, month, day))) return false;
  return true;
}

function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * The instants `expression` fires in `timeZone` strictly after `fromIso` and at or before
 * `untilIso`, at most `limit` of them, as ISO 8601 UTC (`2027-03-15T12:00:00Z`).
 *
 * Walks every UTC minute from two days before `fromIso` (so the first pass of a repeated hour is
 * seen even when it lies before `fromIso`), reads its local wall clock, and fires each matching
 * wall-clock minute the first time it is seen. To stay fast, the offset is read once per UTC
 * hour, and per minute only in the hours whose two ends have different offsets; the local
 * date and hour are checked once per run of minutes that share them.
 */
export function referenceFirings(
  expression: string,
  timeZone: string,
  fromIso: string,
  untilIso: string,
  limit = Number.POSITIVE_INFINITY,
): string[] {
  const cron = parseReferenceCron(expression);
  const from = Date.parse(fromIso);
  const until = Date.parse(untilIso);
  if (Number.isNaN(from) || Number.isNaN(until)) {
    throw new Error(`from "${fromIso}" or until "${untilIso}" is not an ISO 8601 time`);
  }
  const out: string[] = [];
  /** Local wall-clock minutes (minutes since 1970-01-01T00:00 local) that already fired. */
  const fired = new Set<number>();

  /** Visits the UTC minutes [first, first + count) of one offset. */
  const visit = (first: number, count: number, offset: number): void => {
    let localMinute = first / MINUTE_MS + offset;
    const end = localMinute + count;
    while (localMinute < end && out.length < limit) {
      // The minutes up to the next local hour share the local date and hour.
      const localHour = Math.floor(localMinute / 60);
      const hourEnd = Math.min(end, (localHour + 1) * 60);
      if (cron.hours[localHour % 24]) {
        const day = new Date(localHour * HOUR_MS);
        if (dateMatches(cron, day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate())) {
          for (; localMinute < hourEnd && out.length < limit; localMinute++) {
            if (!cron.minutes[localMinute % 60] || fired.has(localMinute)) continue;
            fired.add(localMinute);
            const utc = (localMinute - offset) * MINUTE_MS;
            if (utc > from && utc <= until) out.push(isoUtc(utc));
          }
        }
      }
      localMinute = hourEnd;
    }
  };

  const start = Math.floor((from - LOOKBACK_MS) / HOUR_MS) * HOUR_MS;
  let offset = offsetMinutesAt(timeZone, start);
  for (let hour = start; hour <= until && out.length < limit; hour += HOUR_MS) {
    const next = offsetMinutesAt(timeZone, hour + HOUR_MS);
    if (offset === next) {
      visit(hour, 60, offset);
    } else {
      for (let m = 0; m < 60; m++) {
        const at = hour + m * MINUTE_MS;
        visit(at, 1, offsetMinutesAt(timeZone, at));
      }
    }
    offset = next;
  }
  return out;
}
