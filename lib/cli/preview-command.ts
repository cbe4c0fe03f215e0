/**
 * `cdk-ec2-scheduler preview`: when a schedule starts and stops instances, from expressions on
 * the command line or from every schedule in a synthesized cloud assembly.
 */
import { AssemblySchedule, readAssembly } from './assembly';
import type { Io } from './io';
import { UsageError } from '../common/cli-errors';
import {
  describePreview,
  previewCrons,
  previewSchedule,
  type PreviewOptions,
  type SchedulePreview,
} from '../schedule/preview';
import type { ScheduleCrons } from '../schedule/timeline';
import { validateSchedule } from '../schedule/validation';

export const PREVIEW_USAGE = `  cdk-ec2-scheduler preview --start EXPR --stop EXPR [--time-zone TZ] [--skip-date YYYY-MM-DD]...
                            [--from ISO] [--count N] [--json]
  cdk-ec2-scheduler preview CDK_OUT_DIR [--from ISO] [--count N] [--json]

  --start, --stop   EventBridge cron expressions, e.g. "cron(0 8 ? * MON-FRI *)" (one may be left out)
  --time-zone       IANA time zone the expressions are read in (default UTC)
  --skip-date       a local date with no start; repeat for more
  --from            list transitions after this time (default now)
  --count           how many transitions to list per schedule (default 10)
  --json            print JSON instead of tables
  CDK_OUT_DIR       a cloud assembly from \`cdk synth\` (e.g. cdk.out): previews every schedule
                    this library created, in every stack`;

export const PREVIEW_OPTIONS = {
  start: { type: 'string' },
  stop: { type: 'string' },
  'time-zone': { type: 'string' },
  'skip-date': { type: 'string', multiple: true },
  from: { type: 'string' },
  count: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The flags `preview` reads. */
export interface PreviewFlags {
  readonly start?: string;
  readonly stop?: string;
  readonly 'time-zone'?: string;
  readonly 'skip-date'?: string[];
  readonly from?: string;
  readonly count?: string;
  readonly json?: boolean;
}

/** One schedule previewed: how the output heads it, and what it is. */
interface Previewed {
  /** From a cloud assembly: the schedule's name, stack and tag key. */
  readonly schedule?: AssemblySchedule;
  /** The table's heading (before the time zone). */
  readonly heading: string;
  readonly preview: SchedulePreview;
}

/** How the checks name the schedule given by flags, and its fields: by the flags. */
const FLAG_LABELS = {
  prefix: '',
  fields: { start: '--start', stop: '--stop', timeZone: '--time-zone', skipDates: '--skip-date' },
};

/** Runs `preview`; returns the exit code. Bad arguments throw UsageError. */
export function previewCommand(flags: PreviewFlags, args: readonly string[], io: Io): number {
  const [dir, ...extra] = args;
  const options = { after: checkedFrom(flags.from), count: checkedCount(flags.count) };
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"; give at most one CDK_OUT_DIR`);
  }
  const fromFlags = flags.start !== undefined || flags.stop !== undefined;
  if (dir !== undefined && (fromFlags || flags['time-zone'] || flags['skip-date'])) {
    throw new UsageError(
      'give either CDK_OUT_DIR or --start/--stop/--time-zone/--skip-date, not both',
    );
  }
  if (dir === undefined && !fromFlags) {
    throw new UsageError('give --start and/or --stop, or a CDK_OUT_DIR');
  }
  const previews: Previewed[] =
    dir !== undefined
      ? readAssembly(dir).map((schedule) => ({
          schedule,
          heading: schedule.name,
          preview: previewSchedule(schedule, options),
        }))
      : [previewFlags(flags, options)];
  if (flags.json) {
    io.out(JSON.stringify({ schedules: previews.map((p) => jsonOf(p)) }, null, 2));
  } else {
    previews.forEach((p, i) => {
      if (i > 0) io.out('');
      printTable(io, p);
    });
  }
  return 0;
}

/**
 * The schedule the flags give, checked as `addSchedule` checks one; the messages name the flags.
 * @throws UsageError when a check fails
 */
function previewFlags(flags: PreviewFlags, options: PreviewOptions): Previewed {
  const timeZone = flags['time-zone'] ?? 'UTC';
  const skipDates = flags['skip-date'] ?? [];
  const from = options.after ?? new Date();
  const { start, stop } = flags;
  let crons: ScheduleCrons;
  try {
    crons = validateSchedule(
      { name: '', start, stop, timeZone, skipDates, labels: FLAG_LABELS },
      from,
    );
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const given = [
    ...(start !== undefined ? [`--start "${start}"`] : []),
    ...(stop !== undefined ? [`--stop "${stop}"`] : []),
  ];
  return {
    heading: given.join(' '),
    preview: previewCrons(crons, timeZone, skipDates, from, options),
  };
}

function checkedCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1) {
    throw new UsageError(
      `--count "${value}" is not a whole number of at least 1; give e.g. --count 10`,
    );
  }
  return count;
}

function checkedFrom(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) {
    throw new UsageError(
      `--from "${value}" is not an ISO 8601 time; give e.g. --from 2027-03-12T00:00:00Z`,
    );
  }
  return new Date(value);
}

/** The documented `--json` shape of one schedule (no name for the one the flags give). */
function jsonOf({ schedule, preview }: Previewed) {
  return {
    ...(schedule ? { name: schedule.name, stack: schedule.stack, tagKey: schedule.tagKey } : {}),
    timeZone: preview.timeZone,
    // null, not absent, for one-sided schedules: the documented JSON shape.
    runningHoursPerWeek: preview.runningHoursPerWeek ?? null,
    stoppedShare: preview.stoppedShare ?? null,
    ...(preview.note ? { note: preview.note } : {}),
    transitions: preview.transitions,
  };
}

function printTable(io: Io, { schedule, heading, preview }: Previewed): void {
  const where = [schedule?.stack, preview.timeZone].filter(Boolean).join(', ');
  io.out(`${heading} (${where})`);
  const rows = [
    ['local', 'UTC', 'action'],
    ...preview.transitions.map((t) => [t.local, t.utc, t.action]),
  ];
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) {
    io.out(`  ${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`);
  }
  io.out(describePreview(schedule?.name, preview));
}
