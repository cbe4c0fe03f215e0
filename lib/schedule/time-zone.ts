/**
 * Wall-clock time in IANA time zones, computed with `Intl` (no time-zone database of our own):
 * a zone's UTC offset at any instant, its clock changes, and the instants at which a local time
 * occurs (none in a daylight-saving gap, two in a repeated hour).
 *
 * A "wall time" below is a local date and time written as the UTC milliseconds of the same
 * fields (`Date.UTC(year, month - 1, day, hour, minute)`): plain arithmetic that no zone rule
 * bends. Pure, so synth-time checks, the preview and the Lambda handlers share it.
 */
import { UTC_OFFSET_MINUTES } from '../common/limits';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const wallFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in a time zone (`year`, `month`, `day`, `hour`, ...). */
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

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in minutes (New York in winter: -300), from Intl. */
export function utcOffsetMinutes(at: Date, timeZone: string): number {
  let format = offsetFormatters.get(timeZone);
  if (!format) {
    // "GMT-05:00" (or "GMT" at zero): one field, several times faster than formatToParts.
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, format);
  }
  const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(format.format(at));
  if (!m) throw new Error(`cannot read the UTC offset of ${timeZone} at ${at.toISOString()}`);
  return m[1] === undefined ? 0 : (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Formats an instant as ISO 8601 local time with offset in `timeZone`, e.g. 2027-03-15T08:00:00-04:00. */
export function formatLocal(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  const offset = formatOffset(utcOffsetMinutes(at, timeZone));
  return `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}:${w.second}${offset}`;
}

/** An instant as messages give it: local time with the offset, and the zone. */
export function localTimeIn(at: Date, timeZone: string): string {
  return `${formatLocal(at, timeZone)} (${timeZone})`;
}

/** A change of the zone's UTC offset: daylight saving starting or ending, or a new standard. */
export interface ClockChange {
  /** The first instant with the new offset (epoch ms). */
  readonly at: number;
  readonly fromMinutes: number;
  readonly toMinutes: number;
}

/** A zone's offset and clock changes over one UTC year, with two days' margin on each side. */
interface YearTable {
  readonly start: number;
  readonly end: number;
  readonly startOffset: number;
  readonly changes: readonly ClockChange[];
}

/**
 * Step of the scan for clock changes: shorter than any interval between two real changes, so
 * none hides between two samples.
 */
const SCAN_STEP = 12 * HOUR;
const tables = new Map<string, YearTable>();

function yearTable(timeZone: string, year: number): YearTable {
  const key = `${timeZone} ${year}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const start = Date.UTC(year, 0, 1) - 2 * DAY;
  const end = Date.UTC(year + 1, 0, 1) + 2 * DAY;
  const offsetAt = (t: number) => utcOffsetMinutes(new Date(t), timeZone);
  const startOffset = offsetAt(start);
  const changes: ClockChange[] = [];
  let offset = startOffset;
  for (let t = start; t < end; t += SCAN_STEP) {
    const next = Math.min(t + SCAN_STEP, end);
    const nextOffset = offsetAt(next);
    if (nextOffset === offset) continue;
    // Offsets change on whole minutes: bisect to the first minute with the new offset.
    let lo = t;
    let hi = next;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetAt(mid) === offset) lo = mid;
      else hi = mid;
    }
    changes.push({ at: hi, fromMinutes: offset, toMinutes: nextOffset });
    offset = nextOffset;
  }
  if (tables.size > 2000) tables.clear();
  const table = { start, end, startOffset, changes };
  tables.set(key, table);
  return table;
}

/** The zone's offset at an instant, in minutes, from the cached clock changes. */
export function offsetAt(timeZone: string, at: number): number {
  const table = yearTable(timeZone, new Date(at).getUTCFullYear());
  let offset = table.startOffset;
  for (const change of table.changes) {
    if (change.at > at) break;
    offset = change.toMinutes;
  }
  return offset;
}

/** The zone's clock changes in (after, until], in time order. */
export function clockChanges(timeZone: string, after: Date, until: Date): ClockChange[] {
  return changesIn(timeZone, after.getTime(), until.getTime());
}

function changesIn(timeZone: string, after: number, until: number): ClockChange[] {
  const out: ClockChange[] = [];
  const last = new Date(until).getUTCFullYear();
  for (let year = new Date(after).getUTCFullYear(); year <= last; year++) {
    for (const change of yearTable(timeZone, year).changes) {
      // Tables overlap by their margins: keep each change once, from its own UTC year.
      if (new Date(change.at).getUTCFullYear() !== year) continue;
      if (change.at > after && change.at <= until) out.push(change);
    }
  }
  return out;
}

/** The wall time (see the module comment) of an instant in a zone, to the millisecond. */
export function wallTimeOf(timeZone: string, at: number): number {
  return at + offsetAt(timeZone, at) * MINUTE;
}

/**
 * The instants, in order, at which a local wall time occurs in the zone: none when clocks jump
 * over it, two when clocks go back over it, else one.
 */
export function instantsOf(timeZone: string, wallTime: number): number[] {
  // An instant t shows wall time w when w - t is the offset in force at t. Offsets lie within
  // -12 h..+14 h, so t lies within [w - 14 h, w + 12 h]: try each offset in force there.
  const from = wallTime - UTC_OFFSET_MINUTES.max * MINUTE;
  const offsets = new Set([offsetAt(timeZone, from)]);
  for (const change of changesIn(timeZone, from, wallTime - UTC_OFFSET_MINUTES.min * MINUTE)) {
    offsets.add(change.toMinutes);
  }
  const out: number[] = [];
  for (const offset of offsets) {
    const at = wallTime - offset * MINUTE;
    if (offsetAt(timeZone, at) === offset) out.push(at);
  }
  return out.sort((a, b) => a - b);
}

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  return new Date(wallTimeOf(timeZone, at.getTime())).toISOString().slice(0, 10);
}

/** A wall time as `YYYY-MM-DDTHH:MM`. */
export function formatWallTime(wallTime: number): string {
  return new Date(wallTime).toISOString().slice(0, 16);
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

/** What {@link utcOffsetOf} accepts, for messages: `UTC offsets run from -12:00 to +14:00`. */
export const UTC_OFFSET_RULE = `UTC offsets run from ${formatOffset(UTC_OFFSET_MINUTES.min)} to ${formatOffset(UTC_OFFSET_MINUTES.max)}`;

/**
 * The minutes east of UTC of an ISO 8601 zone designator (`Z`, `+05:30`, `-08:00`), or undefined
 * when it is malformed or no place uses it: offsets outside -12:00..+14:00, or minutes over 59.
 * The one rule for every offset read (override tags, event times).
 */
export function utcOffsetOf(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (!m || Number(m[3]) > 59) return undefined;
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return minutes >= UTC_OFFSET_MINUTES.min && minutes <= UTC_OFFSET_MINUTES.max
    ? minutes
    : undefined;
}

/** An offset in minutes as `+hh:mm` or `-hh:mm`. */
export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
