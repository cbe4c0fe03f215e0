/**
 * When a schedule will start and stop instances, and what that adds up to, computed with the
 * same EventBridge cron adapter that validation and the handlers use.
 */
import { skippedByDaylightSaving } from './firings';
import { runningAt, runningTime, ScheduleCrons, timeline } from './timeline';
import { formatLocal } from './time-zone';
import { validateSchedule, type SynthWarning } from './validation';

export { formatLocal };

/** The schedule fields a preview reads (the same as a scheduler's schedule options). */
export interface PreviewScheduleOptions {
  /** EventBridge cron expression for starts. @default - no starts */
  readonly start?: string;
  /** EventBridge cron expression for stops. @default - no stops */
  readonly stop?: string;
  /** More start expressions, as a schedule's options take them. @default - none */
  readonly additionalStarts?: string[];
  /** More stop expressions, as a schedule's options take them. @default - none */
  readonly additionalStops?: string[];
  /** IANA time zone the expressions are read in. @default 'UTC' */
  readonly timeZone?: string;
  /** Local dates (YYYY-MM-DD) with no start. @default - none */
  readonly skipDates?: string[];
  /** Name used in error messages. @default 'preview' */
  readonly name?: string;
}

/** What a preview covers. */
export interface PreviewOptions {
  /** List transitions strictly after this instant. @default - now */
  readonly after?: Date;
  /** How many transitions to list. @default 10 */
  readonly count?: number;
  /** How many weeks after `after` the weekly figures average over. @default 52 */
  readonly weeks?: number;
}

/** One start or stop of a schedule. */
export interface Transition {
  /** `start` or `stop`. */
  readonly action: string;
  /** ISO 8601 local time with the zone's offset, e.g. 2027-03-15T08:00:00-04:00. */
  readonly local: string;
  /** ISO 8601 UTC, e.g. 2027-03-15T12:00:00Z. */
  readonly utc: string;
}

/** When a schedule will start and stop instances, and what that adds up to. */
export interface SchedulePreview {
  /** The IANA time zone the schedule is read in. */
  readonly timeZone: string;
  /** The next transitions, in time order; starts on skip dates are left out. */
  readonly transitions: Transition[];
  /**
   * Average hours per week that instances run, over the weeks after `after`, counting skip
   * dates. Absent when the schedule only starts or only stops.
   */
  readonly runningHoursPerWeek?: number;
  /** Share of the week instances are stopped, 0..1. Absent when the hours are. */
  readonly stoppedShare?: number;
  /**
   * Why the figures are absent, when they are; or why they are 0 hours (the start never fires
   * in the period).
   */
  readonly note?: string;
}

const WEEK_MS = 7 * 86_400_000;
const HORIZON_WEEKS = 52;
/** After the last year an EventBridge cron expression can name (2199). */
const END_OF_TIME = new Date(Date.UTC(2200, 0, 1));

function formatUtc(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Previews a schedule: its next transitions and the hours it runs per week.
 * @throws Error for invalid options, with the same messages as adding the schedule to a scheduler
 */
export function previewSchedule(
  options: PreviewScheduleOptions,
  preview: PreviewOptions = {},
): SchedulePreview {
  const timeZone = options.timeZone ?? 'UTC';
  const from = preview.after ?? new Date();
  if (Number.isNaN(from.getTime())) {
    throw new Error(`after is not a valid date; give an instant such as 2027-03-12T00:00:00Z`);
  }
  for (const [field, value] of [
    ['count', preview.count],
    ['weeks', preview.weeks],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new Error(`${field} ${value} is not allowed; give a whole number of at least 1`);
    }
  }
  const crons = validateSchedule(
    {
      name: options.name ?? 'preview',
      start: options.start,
      stop: options.stop,
      additionalStarts: options.additionalStarts,
      additionalStops: options.additionalStops,
      timeZone,
      skipDates: options.skipDates,
    },
    from,
  );
  return previewCrons(crons, timeZone, options.skipDates ?? [], from, preview);
}

/** `previewSchedule` for expressions that were already validated. */
export function previewCrons(
  crons: ScheduleCrons,
  timeZone: string,
  skipDateList: readonly string[],
  from: Date,
  preview: PreviewOptions = {},
): SchedulePreview {
  const count = preview.count ?? 10;
  const weeks = preview.weeks ?? HORIZON_WEEKS;
  const skipDates = new Set(skipDateList);
  const horizonEnd = new Date(from.getTime() + weeks * WEEK_MS);
  const twoSided = crons.starts.length > 0 && crons.stops.length > 0;
  // Every transition in the horizon when the hours are wanted; else only the first few.
  const inside = timeline(
    crons,
    timeZone,
    skipDates,
    from,
    horizonEnd,
    twoSided ? undefined : count,
  );
  const upcoming = inside.slice(0, count);
  // Past the horizon, keep looking for the next few (e.g. a once-a-year schedule, or one whose
  // year field is far ahead): the cron module jumps over years and months that cannot match.
  if (upcoming.length < count) {
    const more = timeline(crons, timeZone, skipDates, horizonEnd, END_OF_TIME, count);
    upcoming.push(...more.slice(0, count - upcoming.length));
  }
  const transitions = upcoming.map((t) => ({
    action: t.action,
    local: formatLocal(t.at, timeZone),
    utc: formatUtc(t.at),
  }));

  if (!twoSided) {
    return {
      timeZone,
      transitions,
      note:
        crons.starts.length > 0
          ? 'start-only schedule: instances run from each start until someone stops them, so its running hours depend on people'
          : 'stop-only schedule: instances run from whenever someone starts them until the next stop, so its running hours depend on people',
    };
  }

  const running = runningAt(crons, timeZone, skipDates, from, inside);
  const hours = runningTime(running, inside, from, horizonEnd) / 3_600_000 / weeks;
  const never = hours === 0 ? neverStarts(weeks, transitions) : undefined;
  return {
    timeZone,
    transitions,
    runningHoursPerWeek: Math.round(hours * 10) / 10,
    stoppedShare: Math.round((1 - hours / 168) * 1000) / 1000,
    ...(never ? { note: never } : {}),
  };
}

/**
 * Why a schedule runs 0 hours: its start never fires in the period (e.g. `31W` in months without
 * a day 31, a year ahead, or every start on a skip date); then when it next does, if ever.
 */
function neverStarts(weeks: number, transitions: readonly Transition[]): string {
  const period = weeks === 1 ? 'the next 7 days' : `the next ${weeks} weeks`;
  const next = transitions.find((t) => t.action === 'start');
  return `never starts in ${period}${next ? ` (next start ${next.local})` : ', nor after'}`;
}

/**
 * One line, e.g. `office-hours: runs 45 h/week, stopped 73% of the week` (without `name`, from
 * `runs`).
 */
export function describePreview(name: string | undefined, preview: SchedulePreview): string {
  const lead = name === undefined ? '' : `${name}: `;
  if (
    preview.runningHoursPerWeek === undefined ||
    preview.stoppedShare === undefined ||
    (preview.runningHoursPerWeek === 0 && preview.note)
  ) {
    return `${lead}${preview.note ?? 'no weekly figures'}`;
  }
  return `${lead}runs ${preview.runningHoursPerWeek} h/week, stopped ${Math.round(preview.stoppedShare * 100)}% of the week`;
}

/** What synth tells about one schedule: an info line, and warnings. */
export interface SynthNotes {
  readonly info: string;
  readonly warnings: readonly SynthWarning[];
}

/**
 * What synth tells about a schedule: when it next acts and what it adds up to (an info line),
 * and warnings when a start or stop can fall in local times that daylight saving skips, or
 * uses an `nW` that skips months.
 */
export function synthNotes(
  name: string,
  crons: ScheduleCrons,
  timeZone: string,
  skipDates: readonly string[],
  now: Date,
): SynthNotes {
  const warnings: SynthWarning[] = [];
  const yearAhead = new Date(now.getTime() + 366 * 86_400_000);
  for (const [action, cron] of [
    ...crons.starts.map((c) => ['start', c] as const),
    ...crons.stops.map((c) => ['stop', c] as const),
  ]) {
    const effect = action === 'start' ? 'will not start' : 'will not stop';
    const [skipped] = skippedByDaylightSaving(cron, timeZone, now, yearAhead);
    if (skipped) {
      warnings.push({
        id: 'cdk-ec2-scheduler:daylightSavingSkip',
        message: `schedule "${name}": ${action} "${cron.expression}" falls in the hour that daylight saving time skips in ${timeZone} (next on ${skipped.localTime.slice(0, 10)}); EventBridge Scheduler does not run it that day, so instances ${effect}. Pick a time outside the skipped hour`,
      });
    }
    const nearest = cron.days.kind === 'nearestWeekday' ? cron.days.day : 0;
    if (nearest > 28) {
      warnings.push({
        id: 'cdk-ec2-scheduler:nearestWeekdayOfMissingDay',
        message: `schedule "${name}": ${action} "${cron.expression}" uses ${nearest}W, the weekday nearest day ${nearest}; in months without a day ${nearest} it does not fire at all, so instances ${effect} those months. Use LW for the last weekday of every month`,
      });
    }
  }
  return { info: `schedule "${name}": ${weekAhead(crons, timeZone, skipDates, now)}`, warnings };
}

/** The next 7 days in one line: hours run, and the next start and stop. */
function weekAhead(
  crons: ScheduleCrons,
  timeZone: string,
  skipDates: readonly string[],
  now: Date,
): string {
  // One week keeps synth fast; `cdk-ec2-scheduler preview` averages over 52.
  const preview = previewCrons(crons, timeZone, skipDates, now, { count: 4, weeks: 1 });
  const next = (action: 'start' | 'stop') =>
    (
      preview.transitions.find((t) => t.action === action) ??
      // e.g. a weekly start behind several daily stops
      previewCrons(
        action === 'start'
          ? { starts: crons.starts, stops: [] }
          : { starts: [], stops: crons.stops },
        timeZone,
        skipDates,
        now,
        { count: 1, weeks: 1 },
      ).transitions[0]
    )?.local;
  const figures =
    preview.runningHoursPerWeek === undefined || preview.stoppedShare === undefined
      ? `${crons.starts.length > 0 ? 'start' : 'stop'}-only schedule`
      : preview.runningHoursPerWeek === 0
        ? 'never starts in the next 7 days'
        : `runs ${preview.runningHoursPerWeek} h in the next 7 days, stopped ${Math.round(preview.stoppedShare * 100)}% of the week`;
  const nexts = (['start', 'stop'] as const)
    .filter((a) => (a === 'start' ? crons.starts : crons.stops).length > 0)
    .map((a) => `next ${a} ${next(a) ?? 'none'}`)
    .join(', ');
  return `${figures}; ${nexts} (${timeZone})`;
}

/**
 * Previews schedules: when they start and stop instances, in local time and UTC, and how many
 * hours a week instances run. The same cron rules as the validation of a scheduler's schedules and the handlers.
 */
export class Preview {
  /**
   * Previews a schedule: its next transitions and the hours it runs per week.
   * @throws Error for invalid options, with the same messages as adding the schedule to a scheduler
   */
  public static schedule(
    schedule: PreviewScheduleOptions,
    options?: PreviewOptions,
  ): SchedulePreview {
    return previewSchedule(schedule, options);
  }

  /** One line, e.g. `office-hours: runs 45 h/week, stopped 73% of the week`. */
  public static describe(name: string, preview: SchedulePreview): string {
    return describePreview(name, preview);
  }

  /** An instant as ISO 8601 local time with the zone's offset, e.g. `2027-03-15T08:00:00-04:00`. */
  public static formatLocal(at: Date, timeZone: string): string {
    return formatLocal(at, timeZone);
  }

  private constructor() {}
}
