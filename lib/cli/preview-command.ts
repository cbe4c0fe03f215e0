/**
 * `cdk-ec2-scheduler preview`: when a schedule starts and stops instances, from expressions on
 * the command line or from every schedule in a synthesized cloud assembly.
 */
import { AssemblySchedule, readAssembly } from './assembly';
import type { Io } from './io';
import { UsageError } from '../common/cli-errors';
import { describePreview, previewSchedule, SchedulePreview } from '../schedule/preview';
import { DEFAULT_MAX_OVERRIDE_SECONDS } from '../contract/schedule-input';

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

/** Runs `preview`; returns the exit code. Bad arguments throw UsageError. */
export function previewCommand(flags: PreviewFlags, args: readonly string[], io: Io): number {
  const [dir, ...extra] = args;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const fromFlags = flags.start !== undefined || flags.stop !== undefined;
  if (dir !== undefined && (fromFlags || flags['time-zone'] || flags['skip-date'])) {
    throw new UsageError(
      'give either CDK_OUT_DIR or --start/--stop/--time-zone/--skip-date, not both',
    );
  }
  if (dir === undefined && !fromFlags) {
    throw new UsageError('give --start and/or --stop, or a CDK_OUT_DIR');
  }
  const options = { after: checkedFrom(flags.from), count: checkedCount(flags.count) };
  const schedules: AssemblySchedule[] =
    dir !== undefined ? readAssembly(dir) : [scheduleFromFlags(flags)];
  const previews = schedules.map((schedule) => {
    try {
      return { schedule, preview: previewSchedule(schedule, options) };
    } catch (err) {
      // A bad expression on the command line is a bad argument.
      if (dir === undefined) throw new UsageError((err as Error).message);
      throw err;
    }
  });
  if (flags.json) {
    io.out(JSON.stringify({ schedules: previews.map((p) => jsonOf(p)) }, null, 2));
  } else {
    previews.forEach(({ schedule, preview }, i) => {
      if (i > 0) io.out('');
      printTable(io, schedule, preview);
    });
  }
  return 0;
}

function scheduleFromFlags(flags: PreviewFlags): AssemblySchedule {
  return {
    name: 'schedule',
    stack: '',
    tagKey: '',
    timeZone: flags['time-zone'] ?? 'UTC',
    start: flags.start,
    stop: flags.stop,
    additionalStarts: [],
    additionalStops: [],
    skipDates: flags['skip-date'] ?? [],
    maxOverrideSeconds: DEFAULT_MAX_OVERRIDE_SECONDS,
  };
}

function checkedCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1) {
    throw new UsageError(`--count "${value}" is not a whole number of at least 1`);
  }
  return count;
}

function checkedFrom(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) {
    throw new UsageError(`--from "${value}" is not an ISO 8601 time such as 2027-03-12T00:00:00Z`);
  }
  return new Date(value);
}

/** The documented `--json` shape of one schedule. */
function jsonOf({ schedule, preview }: { schedule: AssemblySchedule; preview: SchedulePreview }) {
  return {
    name: schedule.name,
    ...(schedule.stack ? { stack: schedule.stack } : {}),
    ...(schedule.tagKey ? { tagKey: schedule.tagKey } : {}),
    timeZone: preview.timeZone,
    // null, not absent, for one-sided schedules: the documented JSON shape.
    runningHoursPerWeek: preview.runningHoursPerWeek ?? null,
    stoppedShare: preview.stoppedShare ?? null,
    ...(preview.note ? { note: preview.note } : {}),
    transitions: preview.transitions,
  };
}

function printTable(io: Io, schedule: AssemblySchedule, preview: SchedulePreview): void {
  const where = [schedule.stack, preview.timeZone].filter(Boolean).join(', ');
  io.out(`${schedule.name} (${where})`);
  const rows = [
    ['local', 'UTC', 'action'],
    ...preview.transitions.map((t) => [t.local, t.utc, t.action]),
  ];
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) {
    io.out(`  ${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`);
  }
  io.out(describePreview(schedule.name, preview));
}
