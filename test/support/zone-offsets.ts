/**
 * UTC offsets of IANA time zones read straight from `Intl.DateTimeFormat`, and the clock changes
 * they imply. Test support for the brute-force cron reference: it shares nothing with `lib/`.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const BLOCK_MS = 6 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();
/**
 * Offsets already read, per zone, keyed by whole minutes since the epoch (small integers, which
 * a Map hashes fast). Intl is slow, and the tests ask for the same hours again and again.
 */
const offsetCache = new Map<string, Map<number, number>>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The zone's UTC offset in minutes (local minus UTC) at the instant `utcMs`, e.g. -240 for New
 * York in summer, 765 for Chatham in winter. Reads the wall clock Intl shows for the instant and
 * subtracts the instant.
 * @throws Error when the offset is not a whole number of minutes (local mean time, before 1970)
 */
export function offsetMinutesAt(timeZone: string, utcMs: number): number {
  let zoneCache = offsetCache.get(timeZone);
  if (!zoneCache) {
    zoneCache = new Map();
    offsetCache.set(timeZone, zoneCache);
  }
  const minute = utcMs / MINUTE_MS;
  const cached = zoneCache.get(minute);
  if (cached !== undefined) return cached;

  const field: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') field[part.type] = Number(part.value);
  }
  const wallClockAsUtc = Date.UTC(
    field.year,
    field.month - 1,
    field.day,
    field.hour,
    field.minute,
    field.second,
  );
  const wholeSecondUtc = Math.floor(utcMs / 1000) * 1000;
  const offset = (wallClockAsUtc - wholeSecondUtc) / MINUTE_MS;
  if (!Number.isInteger(offset)) {
    throw new Error(`${timeZone} at ${new Date(utcMs).toISOString()}: offset ${offset} min`);
  }
  if (Number.isInteger(minute)) zoneCache.set(minute, offset);
  return offset;
}

/** One change of a zone's UTC offset. */
export interface ClockChange {
  /** The first instant on the new offset, ISO 8601 UTC, e.g. 2027-03-14T07:00:00Z. */
  readonly utc: string;
  /** The same instant in ms since the epoch. */
  readonly at: number;
  /** Offset in minutes just before the change. */
  readonly offsetBefore: number;
  /** Offset in minutes from the change on. */
  readonly offsetAfter: number;
}

/**
 * Every change of `timeZone`'s offset in [fromIso, untilIso): the offset is read every six hours
 * of UTC; a block whose two ends differ is searched hour by hour, and that hour minute by minute.
 * Assumes no zone changes its offset twice within six hours (true of the zones and years these
 * tests use).
 */
export function clockChanges(timeZone: string, fromIso: string, untilIso: string): ClockChange[] {
  const from = Date.parse(fromIso);
  const until = Date.parse(untilIso);
  const changes: ClockChange[] = [];
  const firstDifferent = (start: number, step: number, offset: number): number => {
    let at = start;
    while (offsetMinutesAt(timeZone, at) === offset) at += step;
    return at;
  };
  for (let block = Math.floor(from / HOUR_MS) * HOUR_MS; block < until; block += BLOCK_MS) {
    const before = offsetMinutesAt(timeZone, block);
    const after = offsetMinutesAt(timeZone, block + BLOCK_MS);
    if (before === after) continue;
    const hour = firstDifferent(block, HOUR_MS, before) - HOUR_MS;
    const at = firstDifferent(hour, MINUTE_MS, before);
    if (at >= from && at < until) {
      changes.push({
        utc: new Date(at).toISOString().replace(/\.000Z$/, 'Z'),
        at,
        offsetBefore: before,
        offsetAfter: after,
      });
    }
  }
  return changes;
}
