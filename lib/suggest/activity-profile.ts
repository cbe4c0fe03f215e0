/**
 * An instance's week x hour activity profile in a time zone, built from hourly utilization (as
 * `suggest` reads it from CloudWatch): for each of the week's 168 local hours, whether any week
 * saw the instance busy in it, and whether any datapoint fell in it at all.
 */
import { wallTimeOf } from '../schedule/time-zone';

export const HOURS_PER_WEEK = 168;
const HOUR_MS = 3_600_000;

/** One hour of an instance's utilization, as CloudWatch reports it (period 3600). */
export interface HourlyUtilization {
  /** The hour's start, epoch ms (UTC, on the hour). */
  readonly at: number;
  /** Average CPUUtilization over the hour, percent. */
  readonly cpu?: number;
  /** NetworkIn plus NetworkOut summed over the hour, bytes. */
  readonly network?: number;
}

/** When an hour counts as busy. */
export interface BusyThresholds {
  /** An hour with an average CPU at or above this (percent) is busy. */
  readonly idleCpu: number;
  /** An hour with at least this many bytes in and out is busy. */
  readonly idleNetworkBytes: number;
}

/** One local hour of the week (Sunday 00:00 is cell 0, Saturday 23:00 cell 167). */
export interface WeekHour {
  /** Datapoints that fell in this hour, over all weeks. */
  readonly seen: number;
  /** Whether any of them was busy. */
  readonly busy: boolean;
  /** The highest hourly average CPU seen, percent (undefined when no CPU datapoint). */
  readonly maxCpu?: number;
  /** The most bytes in and out seen in one hour. */
  readonly maxNetwork?: number;
}

/** An instance's activity over the week, in one time zone. */
export interface ActivityProfile {
  readonly timeZone: string;
  /** 168 cells: `day * 24 + hour`, day 0 = Sunday, local time. */
  readonly hours: readonly WeekHour[];
  /** Hourly datapoints read. */
  readonly datapoints: number;
  /** Cells with no datapoint. */
  readonly unseenHours: number;
  /** The highest hourly average CPU over the whole period, percent. */
  readonly maxCpu?: number;
}

interface MutableHour {
  seen: number;
  busy: boolean;
  maxCpu?: number;
  maxNetwork?: number;
}

/**
 * The local week hours that the UTC hour starting at `at` overlaps: one, or two in a zone whose
 * offset is not a whole number of hours (India, Newfoundland, Chatham).
 */
export function weekHoursOf(at: number, timeZone: string): number[] {
  const cells: number[] = [];
  for (const instant of [at, at + HOUR_MS - 1]) {
    const local = new Date(wallTimeOf(timeZone, instant));
    const cell = local.getUTCDay() * 24 + local.getUTCHours();
    if (!cells.includes(cell)) cells.push(cell);
  }
  return cells;
}

/** `weekHoursOf` for one zone, each hour worked out once (every instance has the same hours). */
export function weekHoursIn(timeZone: string): (at: number) => number[] {
  const known = new Map<number, number[]>();
  return (at) => {
    let cells = known.get(at);
    if (!cells) known.set(at, (cells = weekHoursOf(at, timeZone)));
    return cells;
  };
}

function isBusy(u: HourlyUtilization, t: BusyThresholds): boolean {
  return (u.cpu ?? 0) >= t.idleCpu || (u.network ?? 0) >= t.idleNetworkBytes;
}

/**
 * Builds the profile of one instance's hourly utilization in `timeZone`; `cellsOf` may be a
 * `weekHoursIn(timeZone)` shared by the instances of a run.
 */
export function buildProfile(
  samples: readonly HourlyUtilization[],
  timeZone: string,
  thresholds: BusyThresholds,
  cellsOf: (at: number) => number[] = (at) => weekHoursOf(at, timeZone),
): ActivityProfile {
  const hours: MutableHour[] = Array.from({ length: HOURS_PER_WEEK }, () => ({
    seen: 0,
    busy: false,
  }));
  let maxCpu: number | undefined;
  for (const s of samples) {
    const busy = isBusy(s, thresholds);
    if (s.cpu !== undefined) maxCpu = Math.max(maxCpu ?? 0, s.cpu);
    for (const cell of cellsOf(s.at)) {
      const h = hours[cell];
      h.seen++;
      h.busy ||= busy;
      if (s.cpu !== undefined) h.maxCpu = Math.max(h.maxCpu ?? 0, s.cpu);
      if (s.network !== undefined) h.maxNetwork = Math.max(h.maxNetwork ?? 0, s.network);
    }
  }
  return {
    timeZone,
    hours,
    datapoints: samples.length,
    unseenHours: hours.filter((h) => h.seen === 0).length,
    ...(maxCpu === undefined ? {} : { maxCpu }),
  };
}
