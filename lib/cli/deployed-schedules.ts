/**
 * What the operator commands (`status`, `override`) know of the schedule an instance's tag names.
 * Given a cloud assembly: the tag key, and each schedule's time zone, maxOverride, expressions
 * and skip dates, read from the inputs the functions get. Without one: the default tag key and
 * maxOverride, and no time zone.
 */
import { AssemblySchedule, readAssembly } from './assembly';
import { InputError } from '../common/cli-errors';
import { parseEventBridgeCron } from '../schedule/cron';
import {
  judgeOverride,
  OverrideFormatError,
  OverrideVerdict,
  parseOverride,
} from '../schedule/override';
import { previewCrons, Transition } from '../schedule/preview';
import { DEFAULT_MAX_OVERRIDE_SECONDS } from '../contract/schedule-input';
import type { ScheduleCrons } from '../schedule/timeline';

/** The construct's default `tagKey`. */
export const DEFAULT_TAG_KEY = 'Schedule';

/** How the operator commands show a schedule tag whose value is empty. */
export const EMPTY_VALUE = '(empty value)';

/** What the cloud assembly says of a schedule name. */
export type ScheduleLookup =
  | { readonly kind: 'deployed'; readonly schedule: AssemblySchedule }
  /** The assembly has no schedule of this name for the tag key. */
  | { readonly kind: 'not-deployed' }
  /** Stacks of the assembly define it differently (e.g. two stages). */
  | { readonly kind: 'conflict'; readonly stacks: readonly string[] }
  /** No cloud assembly was given. */
  | { readonly kind: 'no-assembly' };

/** An override judged now, or why it cannot be. */
export type JudgedOverride = OverrideVerdict | { readonly status: 'unknown'; readonly why: string };

/** A schedule's next start and stop, starts on skip dates left out. */
export interface NextTransitions {
  readonly start?: Transition;
  readonly stop?: Transition;
}

const DEFAULT_MAX_OVERRIDE_MS = DEFAULT_MAX_OVERRIDE_SECONDS * 1000;

/** An instant as the operator commands print it: ISO 8601 UTC to the second. */
export function utcSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Whether an override value's time has no UTC offset, so that it means an instant only in a
 * time zone. A malformed value does not: it is ignored in every zone.
 */
export function needsTimeZone(value: string): boolean {
  try {
    const utc = parseOverride(value, 'UTC').until.getTime();
    return utc !== parseOverride(value, 'Etc/GMT-14').until.getTime();
  } catch (err) {
    if (err instanceof OverrideFormatError) return false;
    throw err;
  }
}

/** What makes two stacks' schedules of one name the same schedule. */
function definition(s: AssemblySchedule): string {
  const sorted = (list: readonly string[]) => [...list].sort();
  return JSON.stringify([
    s.timeZone,
    sorted([s.start ?? '', ...s.additionalStarts]),
    sorted([s.stop ?? '', ...s.additionalStops]),
    sorted(s.skipDates),
    s.maxOverrideSeconds,
  ]);
}

export class DeployedSchedules {
  /**
   * The schedules of the cloud assembly at `dir` (none without), for the tag key `tagKey`, or the
   * assembly's only one. `schedule` (a name) picks among several tag keys.
   * @throws InputError when the tag key is not the assembly's, or is ambiguous
   */
  static load(dir?: string, tagKey?: string, schedule?: string): DeployedSchedules {
    if (dir === undefined) return new DeployedSchedules(tagKey ?? DEFAULT_TAG_KEY);
    const all = readAssembly(dir);
    const keys = [...new Set(all.map((s) => s.tagKey))];
    const list = keys.map((k) => `"${k}"`).join(', ');
    if (tagKey !== undefined && !keys.includes(tagKey)) {
      throw new InputError(
        `--tag-key "${tagKey}": the cloud assembly "${dir}" has no schedules for it; its tag keys: ${list}`,
      );
    }
    const named = [...new Set(all.filter((s) => s.name === schedule).map((s) => s.tagKey))];
    const candidates = tagKey !== undefined ? [tagKey] : named.length > 0 ? named : keys;
    if (candidates.length > 1) {
      throw new InputError(
        `the cloud assembly "${dir}" has schedulers with the tag keys ${list}; choose one with --tag-key`,
      );
    }
    const byName = new Map<string, AssemblySchedule[]>();
    for (const s of all.filter((x) => x.tagKey === candidates[0])) {
      byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    }
    return new DeployedSchedules(candidates[0], byName);
  }

  private readonly nextCache = new Map<string, NextTransitions>();

  private constructor(
    /** The tag that opts instances in. */
    readonly tagKey: string,
    /** The assembly's schedules for the tag key, by name; undefined without an assembly. */
    private readonly byName?: ReadonlyMap<string, readonly AssemblySchedule[]>,
  ) {}

  /** Whether a cloud assembly was given. */
  get fromAssembly(): boolean {
    return this.byName !== undefined;
  }

  /** The names of the deployed schedules. */
  get names(): string[] {
    return [...(this.byName?.keys() ?? [])];
  }

  lookup(name: string): ScheduleLookup {
    if (!this.byName) return { kind: 'no-assembly' };
    const found = this.byName.get(name) ?? [];
    if (found.length === 0) return { kind: 'not-deployed' };
    if (found.some((s) => definition(s) !== definition(found[0]))) {
      return { kind: 'conflict', stacks: found.map((s) => s.stack) };
    }
    return { kind: 'deployed', schedule: found[0] };
  }

  /** What the functions make of the override `value` on an instance of schedule `name` at `now`. */
  judge(value: string, name: string, now: Date): JudgedOverride {
    const found = this.lookup(name);
    switch (found.kind) {
      case 'deployed': {
        const { timeZone, maxOverrideSeconds } = found.schedule;
        return judgeOverride(value, timeZone, now, maxOverrideSeconds * 1000);
      }
      case 'not-deployed':
        return { status: 'unknown', why: `"${name}" is not a deployed schedule` };
      case 'conflict':
        return { status: 'unknown', why: conflictMessage(name, found.stacks) };
      case 'no-assembly':
        return judgeWithoutAssembly(value, now);
    }
  }

  /** The next start and stop of a deployed schedule (none for any other). */
  next(name: string, now: Date): NextTransitions {
    const found = this.lookup(name);
    if (found.kind !== 'deployed') return {};
    const cached = this.nextCache.get(name);
    if (cached) return cached;
    const { timeZone, skipDates, start, stop, additionalStarts, additionalStops } = found.schedule;
    const crons = (expressions: (string | undefined)[]) =>
      expressions.filter((e): e is string => e !== undefined).map((e) => parseEventBridgeCron(e));
    const first = (side: ScheduleCrons) =>
      side.starts.length + side.stops.length === 0
        ? undefined
        : previewCrons(side, timeZone, skipDates, now, { count: 1, weeks: 1 }).transitions[0];
    const next = {
      start: first({ starts: crons([start, ...additionalStarts]), stops: [] }),
      stop: first({ starts: [], stops: crons([stop, ...additionalStops]) }),
    };
    this.nextCache.set(name, next);
    return next;
  }
}

/** The message for a schedule that stacks of the assembly define differently. */
export function conflictMessage(name: string, stacks: readonly string[]): string {
  return `schedule "${name}" is defined differently in the stacks ${stacks.join(', ')} of the cloud assembly; pass the cloud assembly of one stage (e.g. cdk.out/assembly-<stage>)`;
}

function judgeWithoutAssembly(value: string, now: Date): JudgedOverride {
  if (needsTimeZone(value)) {
    return {
      status: 'unknown',
      why: `"${value}" has no UTC offset, so it is read in the schedule's time zone, which only the cloud assembly tells; pass it (e.g. cdk.out)`,
    };
  }
  const verdict = judgeOverride(value, 'UTC', now, DEFAULT_MAX_OVERRIDE_MS);
  if (verdict.status !== 'ignored' || !wellFormed(value)) return verdict;
  // Too far ahead for the default; the deployment may allow more.
  return {
    status: 'ignored',
    why: `${verdict.why} (judged against the default maxOverride, 7 days; pass the cloud assembly to judge against the deployed one)`,
  };
}

function wellFormed(value: string): boolean {
  try {
    parseOverride(value, 'UTC');
    return true;
  } catch {
    return false;
  }
}
