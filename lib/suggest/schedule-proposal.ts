/**
 * What an instance's activity profile says about scheduling it: always busy, always idle, not
 * enough data, or idle windows, and for the last an EventBridge start/stop cron pair that keeps
 * it running in every busy hour seen (plus a margin). The pair is checked by the validator and
 * measured by the preview that `addSchedule` and `preview` use.
 */
import { HOURS_PER_WEEK, type ActivityProfile } from './activity-profile';
import { previewSchedule, type SchedulePreview } from '../schedule/preview';

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export type Verdict = 'idle windows' | 'always busy' | 'always idle' | 'not enough data';

/** A proposed schedule, in the profile's time zone. */
export interface Proposal {
  /** EventBridge cron expression for the start, e.g. `cron(0 7 ? * MON-FRI *)`. */
  readonly start: string;
  readonly stop: string;
  readonly timeZone: string;
  /** From the preview: average hours per week it runs, and the share of the week stopped. */
  readonly runningHoursPerWeek: number;
  readonly stoppedShare: number;
  /** The week hours (as the profile's cells) the schedule keeps the instance running. */
  readonly runningHours: readonly boolean[];
}

/** What `suggestSchedule` concludes for one instance. */
export interface Suggestion {
  readonly verdict: Verdict;
  /** One sentence saying why. */
  readonly reason: string;
  /** With `idle windows` only. */
  readonly proposal?: Proposal;
}

export interface ProposalOptions {
  /** Hours kept running before and after every busy hour seen. */
  readonly marginHours: number;
  /** Days of data the profile covers (for the messages). */
  readonly days: number;
  /** A schedule that would stop the instance fewer hours a week is not proposed. @default 8 */
  readonly minStoppedHoursPerWeek?: number;
  /** The instant the preview starts from. @default - now */
  readonly now?: Date;
  /** Previews already made this run, by start, stop and zone (many instances share a pair). */
  readonly previews?: Map<string, SchedulePreview>;
}

/** A running window: its start and stop cells of the week, and the cells it runs. */
interface Window {
  readonly start: string;
  readonly stop: string;
  readonly running: boolean[];
}

const ring = (cell: number): number => ((cell % HOURS_PER_WEEK) + HOURS_PER_WEEK) % HOURS_PER_WEEK;

/** The busy hours, each widened by `margin` hours on both sides (around the week's end too). */
export function widen(busy: readonly boolean[], margin: number): boolean[] {
  return busy.map((_, cell) => {
    for (let d = -margin; d <= margin; d++) if (busy[ring(cell + d)]) return true;
    return false;
  });
}

/** The longest run of `false` in a circular list: its first index and length (0 when none). */
function longestGap(list: readonly boolean[]): { from: number; length: number } {
  let best = { from: 0, length: 0 };
  const n = list.length;
  if (list.every((b) => !b)) return { from: 0, length: n };
  for (let i = 0; i < n; i++) {
    if (list[i] || !list[(i + n - 1) % n]) continue; // not the first idle hour of a gap
    let length = 0;
    while (!list[(i + length) % n]) length++;
    if (length > best.length) best = { from: i, length };
  }
  return best;
}

/** EventBridge's day-of-week field for a set of days (0 = Sunday): `*`, `MON-FRI`, `SUN,SAT`. */
export function dayField(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return '*';
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${DAY_NAMES[sorted[i]]}-${DAY_NAMES[sorted[j]]}`);
    else for (let k = i; k <= j; k++) parts.push(DAY_NAMES[sorted[k]]);
    i = j + 1;
  }
  return parts.join(',');
}

const cron = (hour: number, days: string): string => `cron(0 ${hour} ? * ${days} *)`;

/**
 * The same hours every running day: from the end of the longest daily gap (over all days) to its
 * start, on the days whose window holds a busy hour.
 */
function dailyWindow(busy: readonly boolean[]): Window | undefined {
  const byHour = Array.from({ length: 24 }, (_, h) => DAY_NAMES.some((_, d) => busy[d * 24 + h]));
  const gap = longestGap(byHour);
  if (gap.length === 0) return undefined;
  const startHour = (gap.from + gap.length) % 24;
  const stopHour = gap.from;
  const hours = 24 - gap.length;
  const days = DAY_NAMES.map((_, d) => d).filter((d) =>
    Array.from({ length: hours }, (_, k) => busy[ring(d * 24 + startHour + k)]).some(Boolean),
  );
  const running = new Array<boolean>(HOURS_PER_WEEK).fill(false);
  for (const d of days)
    for (let k = 0; k < hours; k++) running[ring(d * 24 + startHour + k)] = true;
  const stopDays = stopHour <= startHour ? days.map((d) => (d + 1) % 7) : days;
  return {
    start: cron(startHour, dayField(days)),
    stop: cron(stopHour, dayField(stopDays)),
    running,
  };
}

/** One start and one stop a week, around the week's longest idle stretch. */
function weeklyWindow(busy: readonly boolean[]): Window | undefined {
  const gap = longestGap(busy);
  if (gap.length === 0) return undefined;
  const startCell = ring(gap.from + gap.length);
  const at = (cell: number) => cron(cell % 24, DAY_NAMES[Math.floor(cell / 24)]);
  const running = busy.map((_, cell) => ring(cell - gap.from) >= gap.length);
  return { start: at(startCell), stop: at(gap.from), running };
}

const stoppedHours = (w: Window | undefined): number =>
  w ? w.running.filter((r) => !r).length : 0;

/** Classifies a profile and, when it has idle windows, proposes and previews a schedule. */
export function suggestSchedule(profile: ActivityProfile, options: ProposalOptions): Suggestion {
  const { days } = options;
  if (profile.unseenHours > 0) {
    return {
      verdict: 'not enough data',
      reason: `no datapoint in ${profile.unseenHours} of the week's 168 hours over ${days} days (newly launched, or stopped at times); nothing is guessed`,
    };
  }
  const busy = profile.hours.map((h) => h.busy);
  if (!busy.some(Boolean)) {
    const cpu =
      profile.maxCpu === undefined ? '' : ` (highest hourly CPU ${round(profile.maxCpu)}%)`;
    return {
      verdict: 'always idle',
      reason: `never busy in ${days} days${cpu}: stopping it, or a smaller instance type, may beat scheduling it`,
    };
  }
  const wide = widen(busy, options.marginHours);
  const candidates = [dailyWindow(wide), weeklyWindow(wide)];
  const best = candidates.reduce((a, b) => (stoppedHours(b) > stoppedHours(a) ? b : a));
  const min = options.minStoppedHoursPerWeek ?? 8;
  if (!best || stoppedHours(best) < min) {
    const idle = busy.filter((b) => !b).length;
    return {
      verdict: 'always busy',
      reason:
        idle === 0
          ? `busy in all of the week's 168 hours over ${days} days`
          : `idle in ${idle} of the week's 168 hours, but a schedule keeping ${options.marginHours} h of margin around busy hours would stop it less than ${min} hours a week`,
    };
  }
  const key = `${best.start}|${best.stop}|${profile.timeZone}`;
  let preview = options.previews?.get(key);
  if (!preview) {
    preview = previewSchedule(
      { name: 'suggested', start: best.start, stop: best.stop, timeZone: profile.timeZone },
      { after: options.now, count: 2, weeks: 4 },
    );
    options.previews?.set(key, preview);
  }
  return {
    verdict: 'idle windows',
    reason: `busy in ${busy.filter(Boolean).length} of the week's 168 hours; runs every busy hour seen with ${options.marginHours} h of margin`,
    proposal: {
      start: best.start,
      stop: best.stop,
      timeZone: profile.timeZone,
      runningHoursPerWeek: preview.runningHoursPerWeek ?? 0,
      stoppedShare: preview.stoppedShare ?? 0,
      runningHours: best.running,
    },
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
