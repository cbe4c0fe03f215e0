import { NO_BUILTIN_VALIDATION } from './support/app';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Ec2Scheduler } from '../lib';
import { main } from '../lib/cli/cli';
import { useTempDirs } from './support/cli';

const BIN = path.join(__dirname, '..', 'bin', 'cdk-ec2-scheduler.js');
const START = 'cron(0 8 ? * MON-FRI *)';
const STOP = 'cron(0 17 ? * MON-FRI *)';
/** The "Done" example. */
const DONE_EXAMPLE = [
  'preview',
  '--start',
  START,
  '--stop',
  STOP,
  '--time-zone',
  'America/New_York',
  '--from',
  '2027-03-12T00:00:00Z',
  '--count',
  '4',
];
const DONE_TRANSITIONS = [
  { action: 'start', local: '2027-03-12T08:00:00-05:00', utc: '2027-03-12T13:00:00Z' },
  { action: 'stop', local: '2027-03-12T17:00:00-05:00', utc: '2027-03-12T22:00:00Z' },
  { action: 'start', local: '2027-03-15T08:00:00-04:00', utc: '2027-03-15T12:00:00Z' },
  { action: 'stop', local: '2027-03-15T17:00:00-04:00', utc: '2027-03-15T21:00:00Z' },
];

interface JsonSchedule {
  name: string;
  stack?: string;
  timeZone: string;
  runningHoursPerWeek: number | null;
  stoppedShare: number | null;
  note?: string;
  transitions: Array<{ action: string; local: string; utc: string }>;
}

/** Runs the command with an io that captures what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err: err.join('\n') };
}

/** Runs with `--json` and parses what it printed. */
async function runJson(argv: string[]): Promise<JsonSchedule[]> {
  const { code, out, err } = await run([...argv, '--json']);
  expect(err).toBe('');
  expect(code).toBe(0);
  return (JSON.parse(out.join('\n')) as { schedules: JsonSchedule[] }).schedules;
}

const tempDir = useTempDirs('cli');
/** Synthesizes the app that `build` fills into a fresh temporary cloud assembly directory. */
function synth(build: (app: App) => void): string {
  const outdir = tempDir();
  const app = new App({ outdir, ...NO_BUILTIN_VALIDATION });
  build(app);
  app.synth();
  return outdir;
}

describe('preview with --start/--stop', () => {
  test("the issue's Done example prints the JSON of one schedule and exits 0", async () => {
    const { code, out, err } = await run([...DONE_EXAMPLE, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({
      schedules: [
        {
          timeZone: 'America/New_York',
          runningHoursPerWeek: 45,
          stoppedShare: 0.732,
          transitions: DONE_TRANSITIONS,
        },
      ],
    });
  });

  test('without --json prints a table with local, UTC and action columns, and a summary line', async () => {
    const { code, out, err } = await run(DONE_EXAMPLE);
    expect(err).toBe('');
    expect(code).toBe(0);
    // Headed by the expressions given (not a made-up name), then the time zone.
    expect(out[0]).toBe(`--start "${START}" --stop "${STOP}" (America/New_York)`);
    const header = out.find((line) => /^\s+local\s+UTC\s+action$/.test(line));
    expect(header).toBeDefined();
    const rows = out.filter((line) => /^\s+\d{4}-/.test(line));
    expect(rows.map((row) => row.trim().split(/\s+/))).toEqual(
      DONE_TRANSITIONS.map((t) => [t.local, t.utc, t.action]),
    );
    // The columns line up under their headings.
    for (const row of rows) {
      expect(row.indexOf('2027', 4)).toBe(header!.indexOf('UTC'));
      expect(row.search(/(start|stop)$/)).toBe(header!.indexOf('action'));
    }
    expect(out[out.length - 1]).toBe('runs 45 h/week, stopped 73% of the week');
  });

  test('--skip-date may be repeated: no start on either date, the stops still run', async () => {
    const [schedule] = await runJson([
      'preview',
      '--start',
      START,
      '--stop',
      STOP,
      '--time-zone',
      'America/New_York',
      '--skip-date',
      '2027-03-15',
      '--skip-date',
      '2027-03-16',
      '--from',
      '2027-03-12T00:00:00Z',
      '--count',
      '6',
    ]);
    expect(schedule.transitions.map((t) => `${t.action} ${t.utc}`)).toEqual([
      'start 2027-03-12T13:00:00Z',
      'stop 2027-03-12T22:00:00Z',
      'stop 2027-03-15T21:00:00Z',
      'stop 2027-03-16T21:00:00Z',
      'start 2027-03-17T12:00:00Z',
      'stop 2027-03-17T21:00:00Z',
    ]);
    expect(schedule.runningHoursPerWeek).toBe(44.7);
  });

  test('a stop-only schedule prints null hours and the note', async () => {
    const [schedule] = await runJson([
      'preview',
      '--stop',
      'cron(0 19 ? * * *)',
      '--from',
      '2027-03-12T00:00:00Z',
      '--count',
      '2',
    ]);
    expect(schedule).toEqual({
      timeZone: 'UTC',
      runningHoursPerWeek: null,
      stoppedShare: null,
      note: expect.stringMatching(/^stop-only schedule: /),
      transitions: [
        { action: 'stop', local: '2027-03-12T19:00:00+00:00', utc: '2027-03-12T19:00:00Z' },
        { action: 'stop', local: '2027-03-13T19:00:00+00:00', utc: '2027-03-13T19:00:00Z' },
      ],
    });
  });

  test('a schedule that never starts in the 52 weeks says so, in the table and the JSON (not "stopped 100%")', async () => {
    const argv = [
      'preview',
      '--start',
      'cron(0 8 31W * ? 2030)',
      '--stop',
      'cron(0 18 31W * ? 2030)',
      '--from',
      '2027-03-12T00:00:00Z',
      '--count',
      '2',
    ];
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    expect(out[out.length - 1]).toBe(
      'never starts in the next 52 weeks (next start 2030-01-31T08:00:00+00:00)',
    );
    const [schedule] = await runJson(argv);
    expect(schedule).toMatchObject({
      runningHoursPerWeek: 0,
      stoppedShare: 1,
      note: 'never starts in the next 52 weeks (next start 2030-01-31T08:00:00+00:00)',
    });
  });

  test('--count defaults to 10; --time-zone to UTC', async () => {
    const [schedule] = await runJson([
      'preview',
      '--start',
      START,
      '--stop',
      STOP,
      '--from',
      '2027-03-12T00:00:00Z',
    ]);
    expect(schedule.timeZone).toBe('UTC');
    expect(schedule.transitions).toHaveLength(10);
    expect(schedule.transitions[0].utc).toBe('2027-03-12T08:00:00Z');
  });
});

describe('preview CDK_OUT_DIR', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = synth((app) => {
      const office = new Stack(app, 'Office');
      new Ec2Scheduler(office, 'Scheduler', { timeZone: 'America/New_York' }).addSchedule(
        'office-hours',
        { start: START, stop: STOP, skipDates: ['2027-03-15'] },
      );
      new Ec2Scheduler(office, 'TeamScheduler', { tagKey: 'Team' }).addSchedule('lab', {
        start: 'cron(0 20 ? * MON-FRI *)',
        stop: 'cron(0 6 ? * TUE-SAT *)',
        timeZone: 'Europe/Berlin',
      });
      const nightly = new Stack(app, 'Nightly');
      new Ec2Scheduler(nightly, 'Scheduler').addSchedule('nightly-stop', {
        stop: 'cron(0 19 ? * * *)',
      });
      // A Stage writes its stacks into a nested cloud assembly.
      const prod = new Stage(app, 'Prod');
      new Ec2Scheduler(new Stack(prod, 'Inner'), 'Scheduler').addSchedule('prod-hours', {
        start: 'cron(0 7 ? * MON-FRI *)',
        stop: 'cron(0 19 ? * MON-FRI *)',
      });
    });
  });

  test('--json lists every schedule of every stack, nested assemblies included', async () => {
    const schedules = await runJson([
      'preview',
      outdir,
      '--from',
      '2027-03-12T00:00:00Z',
      '--count',
      '3',
    ]);
    const byName = [...schedules].sort((a, b) => a.name.localeCompare(b.name));
    const at = (s: JsonSchedule) => s.transitions.map((t) => `${t.action} ${t.utc}`);
    expect(byName.map((s) => [s.name, s.stack, s.timeZone, s.runningHoursPerWeek])).toEqual([
      ['lab', 'Office', 'Europe/Berlin', 50],
      ['nightly-stop', 'Nightly', 'UTC', null],
      ['office-hours', 'Office', 'America/New_York', 44.8], // one holiday: 45 - 9/52
      ['prod-hours', 'Prod/Inner', 'UTC', 60],
    ]);
    const [lab, nightly, office, prod] = byName;
    expect(at(lab)).toEqual([
      'stop 2027-03-12T05:00:00Z',
      'start 2027-03-12T19:00:00Z',
      'stop 2027-03-13T05:00:00Z',
    ]);
    expect(nightly.stoppedShare).toBeNull();
    expect(nightly.note).toMatch(/^stop-only schedule: /);
    expect(at(nightly)).toEqual([
      'stop 2027-03-12T19:00:00Z',
      'stop 2027-03-13T19:00:00Z',
      'stop 2027-03-14T19:00:00Z',
    ]);
    // The skip date is read from the assembly: no start on Monday 15 March.
    expect(at(office)).toEqual([
      'start 2027-03-12T13:00:00Z',
      'stop 2027-03-12T22:00:00Z',
      'stop 2027-03-15T21:00:00Z',
    ]);
    expect(office.transitions[0].local).toBe('2027-03-12T08:00:00-05:00');
    expect(office.stoppedShare).toBe(0.733);
    expect(at(prod)).toEqual([
      'start 2027-03-12T07:00:00Z',
      'stop 2027-03-12T19:00:00Z',
      'start 2027-03-15T07:00:00Z',
    ]);
  });

  test('without --json prints one table per schedule, headed by its name, stack and time zone', async () => {
    const { code, out } = await run([
      'preview',
      outdir,
      '--from',
      '2027-03-12T00:00:00Z',
      '--count',
      '2',
    ]);
    expect(code).toBe(0);
    for (const heading of [
      'office-hours (Office, America/New_York)',
      'lab (Office, Europe/Berlin)',
      'nightly-stop (Nightly, UTC)',
      'prod-hours (Prod/Inner, UTC)',
    ]) {
      expect(out).toContain(heading);
    }
    expect(out).toContain('lab: runs 50 h/week, stopped 70% of the week');
    expect(out).toContainEqual(expect.stringMatching(/^nightly-stop: stop-only schedule: /));
  });

  test('a directory with no manifest.json exits 2 and says it is not a cloud assembly', async () => {
    const empty = tempDir();
    const { code, out, err } = await run(['preview', empty]);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toContain(
      `"${empty}" is not a cloud assembly (no manifest.json); run \`cdk synth\` first, or pass its output directory`,
    );
  });

  test('an assembly without schedules of this library exits 1 and says so', async () => {
    const other = synth((app) => {
      // An EventBridge Scheduler schedule this library did not create.
      new scheduler.CfnSchedule(new Stack(app, 'Other'), 'Foreign', {
        flexibleTimeWindow: { mode: 'OFF' },
        scheduleExpression: START,
        target: {
          arn: 'arn:aws:lambda:us-east-1:123456789012:function:other',
          roleArn: 'arn:aws:iam::123456789012:role/other',
          input: JSON.stringify({ action: 'start', schedule: 'x' }),
        },
      });
    });
    const { code, out, err } = await run(['preview', other]);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toBe(`no cdk-ec2-scheduler schedules found in the cloud assembly "${other}"`);
  });

  test('lists the schedules of a scheduler inside a NestedStack', async () => {
    const nested = synth((app) => {
      const parent = new Stack(app, 'Parent');
      new Ec2Scheduler(parent, 'Scheduler').addSchedule('parent-hours', {
        start: START,
        stop: STOP,
      });
      new Ec2Scheduler(new NestedStack(parent, 'Nested'), 'Scheduler').addSchedule('nested-hours', {
        start: START,
        stop: STOP,
      });
    });
    const schedules = await runJson([
      'preview',
      nested,
      '--from',
      '2027-03-12T00:00:00Z',
      '--count',
      '1',
    ]);
    expect(schedules.map((s) => s.name).sort()).toEqual(['nested-hours', 'parent-hours']);
  });
});

describe('help and version', () => {
  const VERSION = (
    JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const COMMAND_NAMES = ['preview', 'status', 'override', 'coverage', 'suggest'];

  test('--help lists the commands, a line each, and exits 0', async () => {
    const { code, out, err } = await run(['--help']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text.split('\n')[0]).toBe(
      `cdk-ec2-scheduler ${VERSION}: previews, inspects and adjusts the schedules of the cdk-ec2-scheduler construct`,
    );
    for (const name of COMMAND_NAMES) {
      expect(text).toMatch(new RegExp(`^  ${name}\\s+\\S`, 'm'));
    }
    // The overview, not every command's flags.
    expect(text).not.toContain('--time-zone');
    expect(text.split('\n').length).toBeLessThan(20);
  });

  test.each(COMMAND_NAMES)(
    "%s --help, -h and help <command> print that command's usage only",
    async (name) => {
      for (const argv of [
        [name, '--help'],
        [name, '-h'],
        ['help', name],
      ]) {
        const { code, out, err } = await run(argv);
        expect(err).toBe('');
        expect(code).toBe(0);
        const text = out.join('\n');
        expect(text).toContain(`cdk-ec2-scheduler ${name} `);
        for (const other of COMMAND_NAMES.filter((n) => n !== name)) {
          expect(text).not.toContain(`cdk-ec2-scheduler ${other} `);
        }
      }
    },
  );

  test("--help after a command's flags still prints its usage, even with a bad value", async () => {
    const { code, out } = await run(['preview', '--count', 'x', '--help']);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^cdk-ec2-scheduler preview: /);
  });

  test.each([[['--version']], [['preview', '--version']]])(
    '%j prints the package version and exits 0',
    async (argv) => {
      const { code, out, err } = await run(argv);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toEqual([VERSION]);
    },
  );

  test('no arguments: the overview on stderr, exit 2', async () => {
    const { code, out, err } = await run([]);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toMatch(/^cdk-ec2-scheduler \S+: previews/);
  });
});

describe('bad arguments exit 2 with one line (the flag, the value, the fix) and where the usage is', () => {
  const SEE_PREVIEW = 'see "cdk-ec2-scheduler preview --help"';
  const SEE = 'see "cdk-ec2-scheduler --help"';
  test.each([
    [
      'an unknown flag',
      ['preview', '--start', START, '--bogus'],
      "unknown flag --bogus; preview's flags are --start, --stop, --time-zone, --skip-date, --from, --count, --json",
      SEE_PREVIEW,
    ],
    [
      '--tz (the initials of --time-zone)',
      ['preview', '--start', START, '--tz', 'Europe/Berlin'],
      'unknown flag --tz; did you mean --time-zone?',
      SEE_PREVIEW,
    ],
    [
      'a misspelt flag',
      ['preview', '--strat', START],
      'unknown flag --strat; did you mean --start?',
      SEE_PREVIEW,
    ],
    [
      'a flag with one dash',
      ['preview', '-start', START],
      'unknown flag -start (flags take two dashes); did you mean --start?',
      SEE_PREVIEW,
    ],
    [
      "another command's flag",
      ['preview', '--start', START, '--schedule', 'x'],
      'preview takes no --schedule (status does); its flags are --start, --stop, --time-zone, --skip-date, --from, --count, --json',
      SEE_PREVIEW,
    ],
    [
      'a flag without its value',
      ['preview', '--start'],
      '--start needs a value; give --start EXPR',
      SEE_PREVIEW,
    ],
    [
      'a flag whose value is another flag',
      ['preview', '--time-zone', '--start', START],
      '--time-zone needs a value (what follows it, "--start", is a flag); give --time-zone TZ',
      SEE_PREVIEW,
    ],
    [
      'a flag given twice',
      ['preview', '--start', START, '--start', STOP],
      `--start is given twice ("${START}" and "${STOP}"); give it once`,
      SEE_PREVIEW,
    ],
    [
      'a value for a flag that takes none',
      ['preview', '--start', START, '--json=yes'],
      '--json takes no value; give --json alone',
      SEE_PREVIEW,
    ],
    [
      'no command',
      ['--json'],
      'give a command: preview, status, override, coverage or suggest',
      SEE,
    ],
    [
      'an unknown command',
      ['show', '--start', START],
      'unknown command "show"; give one of preview, status, override, coverage or suggest',
      SEE,
    ],
    [
      'a misspelt command',
      ['previw', '--start', START],
      'unknown command "previw"; did you mean "preview"?',
      SEE,
    ],
    [
      '--count 0',
      ['preview', '--start', START, '--count', '0'],
      '--count "0" is not a whole number of at least 1; give e.g. --count 10',
      SEE_PREVIEW,
    ],
    [
      '--count x without --start (the bad value, not the missing schedule)',
      ['preview', '--count', 'x'],
      '--count "x" is not a whole number of at least 1; give e.g. --count 10',
      SEE_PREVIEW,
    ],
    [
      '--from yesterday',
      ['preview', '--start', START, '--from', 'yesterday'],
      '--from "yesterday" is not an ISO 8601 time; give e.g. --from 2027-03-12T00:00:00Z',
      SEE_PREVIEW,
    ],
    [
      'CDK_OUT_DIR with --start',
      ['preview', 'cdk.out', '--start', START],
      'give either CDK_OUT_DIR or --start/--stop/--time-zone/--skip-date, not both',
      SEE_PREVIEW,
    ],
    [
      'CDK_OUT_DIR with --skip-date',
      ['preview', 'cdk.out', '--skip-date', '2027-03-15'],
      'give either CDK_OUT_DIR or --start/--stop/--time-zone/--skip-date, not both',
      SEE_PREVIEW,
    ],
    [
      'neither CDK_OUT_DIR nor --start/--stop',
      ['preview'],
      'give --start and/or --stop, or a CDK_OUT_DIR',
      SEE_PREVIEW,
    ],
    [
      'an extra argument',
      ['preview', 'cdk.out', 'more'],
      'unexpected argument "more"; give at most one CDK_OUT_DIR',
      SEE_PREVIEW,
    ],
    [
      'an invalid --start (named by its flag, no made-up schedule name)',
      ['preview', '--start', 'cron(0 25 ? * MON-FRI *)'],
      '--start "cron(0 25 ? * MON-FRI *)" has hour 25; hours are 0-23',
      SEE_PREVIEW,
    ],
    [
      'a --stop breaking the "?" rule',
      ['preview', '--start', START, '--stop', 'cron(0 17 * * MON-FRI *)'],
      '--stop "cron(0 17 * * MON-FRI *)" has day-of-month "*" and day-of-week "MON-FRI"; exactly one of them must be "?" (e.g. "? * MON-FRI" or "1 * ?")',
      SEE_PREVIEW,
    ],
    [
      'an unknown --time-zone',
      ['preview', '--start', START, '--time-zone', 'Mars/Olympus'],
      '--time-zone "Mars/Olympus" is not an IANA time zone; use a name such as "America/New_York", "Europe/Berlin" or "UTC"',
      SEE_PREVIEW,
    ],
    [
      'an impossible --skip-date (named by its flag, not skipDates[0])',
      ['preview', '--start', START, '--skip-date', '2026-13-01'],
      '--skip-date "2026-13-01" is not a real date in YYYY-MM-DD form; write e.g. "2026-12-25"',
      SEE_PREVIEW,
    ],
    [
      'a start and stop at the same minute (told in local time with its offset)',
      [
        'preview',
        '--start',
        'cron(0 8 ? * MON *)',
        '--stop',
        'cron(0 8 ? * MON *)',
        '--time-zone',
        'Europe/Berlin',
        '--from',
        '2027-03-12T00:00:00Z',
      ],
      '--start "cron(0 8 ? * MON *)" and --stop "cron(0 8 ? * MON *)" both fire at 2027-03-15T08:00:00+01:00 (Europe/Berlin); move one of them to another minute',
      SEE_PREVIEW,
    ],
  ])('%s', async (_what, argv, message, see) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toBe(`${message}\n${see}`);
  });
});

test('the package bin runs the command: JSON on stdout and exit 0; bad arguments exit 2 with one line and where the usage is on stderr', async () => {
  const stdout = execFileSync(process.execPath, [BIN, ...DONE_EXAMPLE, '--json'], {
    cwd: os.tmpdir(),
    encoding: 'utf8',
  });
  const { schedules } = JSON.parse(stdout) as { schedules: JsonSchedule[] };
  expect(schedules).toHaveLength(1);
  expect(schedules[0].runningHoursPerWeek).toBe(45);
  expect(schedules[0].transitions.map((t) => t.utc)).toEqual(DONE_TRANSITIONS.map((t) => t.utc));

  let failure: { status?: number; stdout?: string; stderr?: string } | undefined;
  try {
    execFileSync(process.execPath, [BIN, 'preview', '--count', '0', '--start', START], {
      cwd: os.tmpdir(),
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    failure = err as typeof failure;
  }
  expect(failure?.status).toBe(2);
  expect(failure?.stdout).toBe('');
  expect(failure?.stderr).toBe(
    '--count "0" is not a whole number of at least 1; give e.g. --count 10\nsee "cdk-ec2-scheduler preview --help"\n',
  );
});
