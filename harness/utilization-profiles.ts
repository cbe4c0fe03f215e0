/**
 * Deterministic hourly utilization of instances, for the loopback CloudWatch
 * (`cloudwatch-endpoint.ts`): each profile is a {@link UtilizationSource}, a pure function of
 * (seed, instance id, hour), so the same hour always reads the same values in any order.
 *
 * "Local hour" below is the wall-clock hour in the profile's IANA zone at the instant the UTC hour
 * starts (`lib/schedule/time-zone.ts`), so busy hours follow the zone across daylight-saving changes.
 *
 * - busy: cpu 30-80 %, NetworkIn 10-90 MB, NetworkOut 5-45 MB per hour;
 * - idle: cpu 0.5-3 %, NetworkIn 20-500 kB, NetworkOut 10-250 kB per hour.
 */
import { wallTimeOf } from '../lib/schedule/time-zone';
import type { HourlyUtilization, UtilizationSource } from './cloudwatch-metrics';

export type { HourlyUtilization, UtilizationSource } from './cloudwatch-metrics';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const stringHashes = new Map<string, number>();

/** FNV-1a of a string, cached (profiles hash the same seeds and instance ids again and again). */
function stringHash(text: string): number {
  let h = stringHashes.get(text);
  if (h === undefined) {
    h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    if (stringHashes.size > 10_000) stringHashes.clear();
    stringHashes.set(text, h);
  }
  return h;
}

/** A 32-bit avalanche of `h` combined with `n` (murmur3's finalizer). */
function mix(h: number, n: number): number {
  h ^= n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A uniform number in [0, 1) from the key: the same key, the same number. */
export function unitHash(...key: readonly (string | number)[]): number {
  let h = 0x9e3779b9;
  for (const k of key) {
    h =
      typeof k === 'number'
        ? mix(mix(h, k | 0), Math.floor(k / 2 ** 32) | 0)
        : mix(h, stringHash(k));
  }
  return (h >>> 0) / 2 ** 32;
}

const between = (lo: number, hi: number, u: number) => lo + (hi - lo) * u;

/** Three uniform numbers in [0, 1) for (seed, instance, hour), from integer hashing only. */
function hourDraws(seed: string | number, id: string, t: number): [number, number, number] {
  const h = mix(mix(stringHash(String(seed)), stringHash(id)), Math.floor(t / HOUR));
  const u = (salt: number) => (mix(h, salt) >>> 0) / 2 ** 32;
  return [u(1), u(2), u(3)];
}

/** A busy hour: cpu 30-80 %, NetworkIn 10-90 MB, NetworkOut 5-45 MB. */
export function busyHour(seed: string | number, id: string, t: number): HourlyUtilization {
  const [cpu, netIn, netOut] = hourDraws(seed, id, t);
  return {
    cpu: between(30, 80, cpu),
    networkIn: Math.round(between(10e6, 90e6, netIn)),
    networkOut: Math.round(between(5e6, 45e6, netOut)),
  };
}

/** An idle hour: cpu 0.5-3 %, NetworkIn 20-500 kB, NetworkOut 10-250 kB. */
export function idleHour(seed: string | number, id: string, t: number): HourlyUtilization {
  const [cpu, netIn, netOut] = hourDraws(seed, id, t);
  return {
    cpu: between(0.5, 3, cpu),
    networkIn: Math.round(between(20e3, 500e3, netIn)),
    networkOut: Math.round(between(10e3, 250e3, netOut)),
  };
}

/** The local weekday (0 = Sunday) and hour (0-23) at an instant in a zone. */
export function localWeekHour(zone: string, at: Date): { weekday: number; hour: number } {
  const wall = new Date(wallTimeOf(zone, at.getTime()));
  return { weekday: wall.getUTCDay(), hour: wall.getUTCHours() };
}

/** A profile busy when `busy(local weekday, local hour)` holds, idle otherwise. */
export function weeklyProfile(
  zone: string,
  busy: (weekday: number, hour: number) => boolean,
  seed: string | number = 0,
): UtilizationSource {
  return (id, hourStart) => {
    const t = hourStart.getTime();
    const { weekday, hour } = localWeekHour(zone, hourStart);
    return busy(weekday, hour) ? busyHour(seed, id, t) : idleHour(seed, id, t);
  };
}

/** Busy Monday-Friday, local hours 08 through 17 (08:00-18:00) in `zone`; idle otherwise. */
export function officeHours(zone = 'Europe/Berlin', seed: string | number = 0): UtilizationSource {
  return weeklyProfile(zone, (d, h) => d >= 1 && d <= 5 && h >= 8 && h < 18, seed);
}

/** Busy every day, local hours 01 through 03 (01:00-04:00) in `zone`; idle otherwise. */
export function nightBatch(zone = 'Europe/Berlin', seed: string | number = 0): UtilizationSource {
  return weeklyProfile(zone, (_d, h) => h >= 1 && h < 4, seed);
}

/** Busy every hour. */
export function alwaysBusy(seed: string | number = 0): UtilizationSource {
  return (id, hourStart) => busyHour(seed, id, hourStart.getTime());
}

/** Idle every hour. */
export function alwaysIdle(seed: string | number = 0): UtilizationSource {
  return (id, hourStart) => idleHour(seed, id, hourStart.getTime());
}

export interface GapOptions {
  /** Default 0. */
  readonly seed?: string | number;
  /** Share of (eligible) whole UTC days with no data. Default 0.3. */
  readonly dayFraction?: number;
  /** Share of (eligible) remaining hours with no data. Default 0.1. */
  readonly hourFraction?: number;
}

/**
 * `profile` with no data on some whole UTC days and some single hours. Gaps fall only in even
 * weeks (counted from the epoch): of the two instants of any week-hour in a 14-day window, one
 * lies in an odd week, so every week-hour keeps at least one datapoint in any 14 days.
 */
export function withGaps(profile: UtilizationSource, options: GapOptions = {}): UtilizationSource {
  const { seed = 0, dayFraction = 0.3, hourFraction = 0.1 } = options;
  return (id, hourStart) => {
    const t = hourStart.getTime();
    if (isGap(t, id, seed, dayFraction, hourFraction)) return undefined;
    return profile(id, hourStart);
  };
}

/** Whether {@link withGaps} drops the hour starting at `t` (epoch ms) of instance `id`. */
export function isGap(
  t: number,
  id: string,
  seed: string | number,
  dayFraction: number,
  hourFraction: number,
): boolean {
  if (Math.floor(t / WEEK) % 2 !== 0) return false;
  if (unitHash(seed, id, 'day', Math.floor(t / DAY)) < dayFraction) return true;
  return unitHash(seed, id, 'hour', Math.floor(t / HOUR)) < hourFraction;
}

/** `profile` from the hour `launch` falls in: no data for earlier hours (a new instance). */
export function launchedAt(profile: UtilizationSource, launch: Date): UtilizationSource {
  const first = Math.floor(launch.getTime() / HOUR) * HOUR;
  return (id, hourStart) => (hourStart.getTime() < first ? undefined : profile(id, hourStart));
}

/** Each instance's profile from `profiles`; other instances use `fallback` (default: no data). */
export function profileByInstance(
  profiles: Readonly<Record<string, UtilizationSource>> | ReadonlyMap<string, UtilizationSource>,
  fallback: UtilizationSource = () => undefined,
): UtilizationSource {
  const lookup =
    profiles instanceof Map
      ? (id: string) => profiles.get(id)
      : (id: string) =>
          Object.prototype.hasOwnProperty.call(profiles, id)
            ? (profiles as Record<string, UtilizationSource>)[id]
            : undefined;
  return (id, hourStart) => (lookup(id) ?? fallback)(id, hourStart);
}
