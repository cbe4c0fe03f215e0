/**
 * The per-instance override tag, `<tagKey>:override`: its format, and what a run (or the CLI)
 * makes of a value at a given moment. The functions only read it; the CLI writes it after the
 * same checks.
 *
 * Values: `running until <time>` (stops leave the instance running) or `stopped until <time>`
 * (starts leave it stopped). `<time>` is ISO 8601 with `Z` or an offset, or without one (read
 * in the schedule's time zone), or a date alone (00:00 of that date in the schedule's zone).
 * Case and surrounding spaces do not matter.
 */
import { overrideTagKey } from '../common/shared-names';
import { instantsOf, isCalendarDate, offsetAt, UTC_OFFSET_RULE, utcOffsetOf } from './time-zone';

export { overrideTagKey };

/** What an override holds an instance in. */
export type OverrideState = 'running' | 'stopped';

export interface Override {
  readonly state: OverrideState;
  readonly until: Date;
}

/** What a value means at one moment. */
export type OverrideVerdict =
  /** Holds the instance in `state` until `until`. */
  | { readonly status: 'active'; readonly override: Override }
  /** Its time has passed: the schedule applies again. */
  | { readonly status: 'expired'; readonly override: Override }
  /** Malformed, or reaching too far ahead: the schedule applies, and a warning says why. */
  | { readonly status: 'ignored'; readonly why: string };

/** An override's tag value, as the CLI writes it: `running until 2026-12-02T08:00:00Z`. */
export function formatOverride(override: Override): string {
  return `${override.state} until ${override.until.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
}

export class OverrideFormatError extends Error {
  constructor(value: string, why: string) {
    super(
      `"${value}" ${why}; write "running until <time>" or "stopped until <time>", with <time> such as 2026-12-02T08:00Z, 2026-12-02T08:00+01:00, 2026-12-02T08:00 (the schedule's time zone) or 2026-12-02`,
    );
    this.name = 'OverrideFormatError';
  }
}

const VALUE = /^(running|stopped) until (\S+)$/;
const TIME = /^(\d{4}-\d{2}-\d{2})(?:t(\d{2}):(\d{2})(?::(\d{2}))?(z|[+-]\d{2}:\d{2})?)?$/;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Reads an override value; a time without an offset is read in `timeZone`. A local time that
 * occurs twice (clocks going back) means its first occurrence; one that clocks skip means the
 * moment they skip to.
 * @throws OverrideFormatError saying what is wrong and what is expected
 */
export function parseOverride(value: string, timeZone: string): Override {
  const normal = value.trim().toLowerCase();
  const parts = VALUE.exec(normal);
  if (!parts) throw new OverrideFormatError(value, 'is not an override');
  const time = TIME.exec(parts[2]);
  if (!time)
    throw new OverrideFormatError(value, `has "${parts[2]}", which is not an ISO 8601 time`);
  const [, date, hh = '00', mm = '00', ss = '00', zone] = time;
  const [h, m, s] = [Number(hh), Number(mm), Number(ss)];
  if (!isCalendarDate(date) || h > 23 || m > 59 || s > 59) {
    throw new OverrideFormatError(value, `has "${parts[2]}", which is not a real date and time`);
  }
  const offset = zone === undefined ? undefined : utcOffsetOf(zone);
  if (zone !== undefined && offset === undefined) {
    throw new OverrideFormatError(
      value,
      `has "${parts[2]}", whose UTC offset ${zone} does not exist (${UTC_OFFSET_RULE})`,
    );
  }
  const [year, month, day] = date.split('-').map(Number);
  const wallTime = Date.UTC(year, month - 1, day, h, m, s);
  let at: number;
  if (offset === undefined) {
    // Before a skip, the offset in force well before it tells where the skipped time lands.
    at =
      instantsOf(timeZone, wallTime)[0] ??
      wallTime - offsetAt(timeZone, wallTime - 14 * HOUR) * MINUTE;
  } else {
    at = wallTime - offset * MINUTE;
  }
  return { state: parts[1] as OverrideState, until: new Date(at) };
}

/**
 * What an override value means at `now`: active, expired, or ignored (malformed, or more than
 * `maxOverrideMs` ahead of `now`).
 */
export function judgeOverride(
  value: string,
  timeZone: string,
  now: Date,
  maxOverrideMs: number,
): OverrideVerdict {
  let override: Override;
  try {
    override = parseOverride(value, timeZone);
  } catch (err) {
    if (err instanceof OverrideFormatError) return { status: 'ignored', why: err.message };
    throw err;
  }
  const ahead = override.until.getTime() - now.getTime();
  if (ahead <= 0) return { status: 'expired', override };
  if (ahead > maxOverrideMs) {
    return {
      status: 'ignored',
      why: `"${value}" reaches ${formatDuration(ahead)} ahead, more than the ${formatDuration(maxOverrideMs)} this scheduler allows (maxOverride); set a nearer time`,
    };
  }
  return { status: 'active', override };
}

/** e.g. `90 minutes`, `36 hours`, `7.1 days`: rounded up, so a reach past a limit never reads as it. */
function formatDuration(ms: number): string {
  const up = (n: number) => Math.ceil(n * 10) / 10;
  const minutes = ms / MINUTE;
  if (minutes < 120) return `${up(minutes)} minutes`;
  if (minutes < 2880) return `${up(minutes / 60)} hours`;
  return `${up(minutes / 1440)} days`;
}
