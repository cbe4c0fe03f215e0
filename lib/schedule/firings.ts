/**
 * When an EventBridge cron expression fires, in a time zone.
 *
 * Two steps: the calendar fields give the matching local wall times in order (`wallTimes`,
 * jumping over years and months that cannot match), and `time-zone.ts` turns each wall time into
 * the instant it fires, with EventBridge Scheduler's daylight-saving rules (`firings`).
 *
 * Evaluation does not use cron-parser: around clock changes its zone handling drops, moves and
 * loses firings, and even run in UTC it steps day by day at about a millisecond a firing, with
 * neither a year field nor `W`. Matching sorted lists of integers is all that remained for it;
 * the tests keep it as an oracle in UTC, where it is right.
 *
 * Pure: the synth-time validation, the preview and the Lambda handlers share it.
 */
import { DayRule, EventBridgeCron, LAST_YEAR } from './cron';
import { clockChanges, formatWallTime, instantsOf, wallTimeOf } from './time-zone';

const MINUTE = 60_000;

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
  const years = cron.years ?? Array.from({ length: LAST_YEAR - fy + 1 }, (_, i) => fy + i);
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
