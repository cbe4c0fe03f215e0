/**
 * A schedule's timeline: its starts (less those on skip dates) and stops in time order, the next
 * start that starts anything, whether instances should be running at a moment, and for how long
 * they run. The preview, the synth
 * notes and the enforcement check all read it.
 */
import type { EventBridgeCron } from './cron';
import { firings } from './firings';
import { localDate } from './time-zone';

/** A schedule's validated expressions: every start and every stop (either list may be empty). */
export interface ScheduleCrons {
  readonly starts: readonly EventBridgeCron[];
  readonly stops: readonly EventBridgeCron[];
}

export interface Timed {
  readonly action: 'start' | 'stop';
  readonly at: Date;
}

/** Looks this far back for the transition before a moment, widening until one is found. */
const LOOK_BACK_DAYS = [2, 8, 366];

/**
 * Starts (minus skip dates) and stops in (after, until], merged in time order; a minute that
 * several expressions of one side share appears once. At most `limit` firings of each expression.
 */
export function timeline(
  crons: ScheduleCrons,
  timeZone: string,
  skipDates: ReadonlySet<string>,
  after: Date,
  until: Date,
  limit = Number.POSITIVE_INFINITY,
): Timed[] {
  const seen = new Map<string, Timed>();
  for (const [action, list] of [
    ['start', crons.starts],
    ['stop', crons.stops],
  ] as const) {
    for (const cron of list) {
      let n = 0;
      for (const at of firings(cron, timeZone, after)) {
        if (at > until || n >= limit) break;
        if (action === 'start' && skipDates.has(localDate(at, timeZone))) continue;
        seen.set(`${action}${at.getTime()}`, { action, at });
        n++;
      }
    }
  }
  // A start and a stop never share a minute (validation rejects it).
  return [...seen.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** How far ahead {@link nextStart} looks: a schedule's starts fire at least once a year. */
const NEXT_START_DAYS = 400;

/**
 * The schedule's first start after `after` that starts anything: its local date is not a skip
 * date. Undefined when none comes within a year and a bit.
 */
export function nextStart(
  crons: ScheduleCrons,
  timeZone: string,
  skipDates: ReadonlySet<string>,
  after: Date,
): Date | undefined {
  const until = new Date(after.getTime() + NEXT_START_DAYS * 86_400_000);
  return timeline({ starts: crons.starts, stops: [] }, timeZone, skipDates, after, until, 1)[0]?.at;
}

/**
 * Whether instances should be running at `at`: set by the last transition at or before it (a
 * start on a skip date does not count). With none in the past year, the first transition to come
 * tells (a stop means they run until then); `after`, if given, are the transitions after `at`.
 */
export function runningAt(
  crons: ScheduleCrons,
  timeZone: string,
  skipDates: ReadonlySet<string>,
  at: Date,
  after?: readonly Timed[],
): boolean {
  for (const days of LOOK_BACK_DAYS) {
    const lookBack = new Date(at.getTime() - days * 86_400_000);
    // (lookBack, at]: a transition exactly at `at` has happened.
    const before = timeline(crons, timeZone, skipDates, lookBack, at);
    if (before.length > 0) return before[before.length - 1].action === 'start';
  }
  const next = after ?? timeline(crons, timeZone, skipDates, at, new Date(8.64e15), 1);
  return next.length > 0 && next[0].action === 'stop';
}

/**
 * Milliseconds instances run in [from, until], given the state at `from` and the transitions
 * after it: running from a start until the next stop. A start while running and a stop while
 * stopped change nothing, as in the handlers.
 */
export function runningTime(
  runningAtFrom: boolean,
  transitions: readonly Timed[],
  from: Date,
  until: Date,
): number {
  let running = runningAtFrom;
  let since = from.getTime();
  let total = 0;
  for (const event of transitions) {
    if (event.action === 'stop' && running) {
      total += event.at.getTime() - since;
      running = false;
    } else if (event.action === 'start' && !running) {
      since = event.at.getTime();
      running = true;
    }
  }
  if (running) total += until.getTime() - since;
  return total;
}
