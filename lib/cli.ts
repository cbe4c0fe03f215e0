/**
 * The `cdk-ec2-scheduler` command: `preview` shows when a schedule starts and stops instances,
 * from expressions on the command line or from every schedule in a synthesized cloud assembly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describePreview, previewSchedule, SchedulePreview } from './preview';

export const USAGE = `Usage:
  cdk-ec2-scheduler preview --start EXPR --stop EXPR [--time-zone TZ] [--skip-date YYYY-MM-DD]...
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

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** A schedule found in a cloud assembly. */
export interface AssemblySchedule {
  readonly name: string;
  readonly stack: string;
  readonly tagKey: string;
  readonly timeZone: string;
  readonly start?: string;
  readonly stop?: string;
  readonly skipDates: string[];
}

class UsageError extends Error {}

/**
 * Runs the command; returns the exit code: 0 done, 2 bad arguments (including invalid
 * expressions given as flags), 1 anything else (e.g. an invalid schedule in the assembly).
 */
export function main(argv: string[], io: Io): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        start: { type: 'string' },
        stop: { type: 'string' },
        'time-zone': { type: 'string' },
        'skip-date': { type: 'string', multiple: true },
        from: { type: 'string' },
        count: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    const [command, dir, ...extra] = positionals;
    if (command !== 'preview') {
      throw new UsageError(
        command === undefined ? 'missing command' : `unknown command "${command}"`,
      );
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const fromFlags = values.start !== undefined || values.stop !== undefined;
    if (dir !== undefined && (fromFlags || values['time-zone'] || values['skip-date'])) {
      throw new UsageError(
        'give either CDK_OUT_DIR or --start/--stop/--time-zone/--skip-date, not both',
      );
    }
    if (dir === undefined && !fromFlags) {
      throw new UsageError('give --start and/or --stop, or a CDK_OUT_DIR');
    }
    let count: number | undefined;
    if (values.count !== undefined) {
      count = Number(values.count);
      if (!/^\d+$/.test(values.count) || count < 1) {
        throw new UsageError(`--count "${values.count}" is not a whole number of at least 1`);
      }
    }
    if (values.from !== undefined && Number.isNaN(Date.parse(values.from))) {
      throw new UsageError(
        `--from "${values.from}" is not an ISO 8601 time such as 2027-03-12T00:00:00Z`,
      );
    }
    const schedules: AssemblySchedule[] =
      dir !== undefined
        ? readAssembly(dir)
        : [
            {
              name: 'schedule',
              stack: '',
              tagKey: '',
              timeZone: values['time-zone'] ?? 'UTC',
              start: values.start,
              stop: values.stop,
              skipDates: values['skip-date'] ?? [],
            },
          ];
    const options = { from: values.from, count };
    const previews = schedules.map((s) => {
      try {
        return { schedule: s, preview: previewSchedule({ ...s, name: s.name }, options) };
      } catch (err) {
        // A bad expression on the command line is a bad argument.
        if (dir === undefined) throw new UsageError((err as Error).message);
        throw err;
      }
    });
    if (values.json) {
      io.out(
        JSON.stringify(
          {
            schedules: previews.map(({ schedule, preview }) => ({
              name: schedule.name,
              ...(schedule.stack ? { stack: schedule.stack } : {}),
              ...(schedule.tagKey ? { tagKey: schedule.tagKey } : {}),
              timeZone: preview.timeZone,
              runningHoursPerWeek: preview.runningHoursPerWeek,
              stoppedShare: preview.stoppedShare,
              ...(preview.note ? { note: preview.note } : {}),
              transitions: preview.transitions,
            })),
          },
          null,
          2,
        ),
      );
    } else {
      previews.forEach(({ schedule, preview }, i) => {
        if (i > 0) io.out('');
        printTable(io, schedule, preview);
      });
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    io.err((err as Error).message);
    return 1;
  }
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

interface Manifest {
  artifacts?: Record<
    string,
    {
      type: string;
      properties?: { templateFile?: string; directoryName?: string };
      displayName?: string;
    }
  >;
}

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

interface ScheduleInput {
  version?: unknown;
  action?: unknown;
  schedule?: unknown;
  tagKey?: unknown;
  skipDates?: unknown;
}

/** Every schedule this library created in a cloud assembly (nested assemblies included). */
export function readAssembly(dir: string): AssemblySchedule[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new UsageError(
      `"${dir}" is not a cloud assembly (no manifest.json); run \`cdk synth\` first, or pass its output directory`,
    );
  }
  const found = new Map<string, { -readonly [K in keyof AssemblySchedule]: AssemblySchedule[K] }>();
  const visit = (assemblyDir: string) => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8'),
    ) as Manifest;
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
        visit(path.join(assemblyDir, artifact.properties.directoryName));
      }
      if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile)
        continue;
      readTemplate(assemblyDir, artifact.properties.templateFile, artifact.displayName ?? id);
    }
    // Nested stacks' templates, when the parent carried no asset metadata to name them by.
    for (const file of fs.readdirSync(assemblyDir)) {
      if (file.endsWith('.nested.template.json') && !read.has(path.join(assemblyDir, file))) {
        readTemplate(assemblyDir, file, file.replace(/\.nested\.template\.json$/, ''));
      }
    }
  };
  const read = new Set<string>();
  /** Reads one template, and the templates of its nested stacks. */
  const readTemplate = (assemblyDir: string, file: string, stack: string): void => {
    read.add(path.join(assemblyDir, file));
    const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const nested = resource.Metadata?.['aws:asset:path'];
      if (resource.Type === 'AWS::CloudFormation::Stack' && typeof nested === 'string') {
        const nestedPath = resource.Metadata?.['aws:cdk:path'];
        const name =
          typeof nestedPath === 'string'
            ? nestedPath.replace(/\.NestedStack\/.*$/, '').replace(/\.NestedStack$/, '')
            : `${stack}/${logicalId}`;
        if (fs.existsSync(path.join(assemblyDir, nested))) readTemplate(assemblyDir, nested, name);
        continue;
      }
      if (resource.Type !== 'AWS::Scheduler::Schedule') continue;
      const props = resource.Properties ?? {};
      const target = props.Target as { Input?: unknown } | undefined;
      if (typeof target?.Input !== 'string') continue;
      let input: ScheduleInput;
      try {
        input = JSON.parse(target.Input) as ScheduleInput;
      } catch {
        continue;
      }
      const expression = props.ScheduleExpression;
      const timeZone = props.ScheduleExpressionTimezone ?? 'UTC';
      if (
        input.version !== 1 ||
        (input.action !== 'start' && input.action !== 'stop') ||
        typeof input.schedule !== 'string' ||
        typeof input.tagKey !== 'string' ||
        typeof expression !== 'string' ||
        typeof timeZone !== 'string'
      ) {
        continue;
      }
      const key = JSON.stringify([stack, input.tagKey, input.schedule]);
      const entry = found.get(key) ?? {
        name: input.schedule,
        stack,
        tagKey: input.tagKey,
        timeZone,
        skipDates: [],
      };
      entry[input.action] = expression;
      if (input.action === 'start' && Array.isArray(input.skipDates)) {
        entry.skipDates = input.skipDates.filter((d): d is string => typeof d === 'string');
      }
      found.set(key, entry);
    }
  };
  visit(dir);
  if (found.size === 0) {
    throw new Error(`no cdk-ec2-scheduler schedules found in the cloud assembly "${dir}"`);
  }
  return [...found.values()];
}
