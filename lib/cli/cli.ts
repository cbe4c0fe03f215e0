/**
 * The `cdk-ec2-scheduler` command: reads the arguments and runs a command (`preview`, see
 * `preview-command.ts`; `status`, `override`, `coverage` and `suggest`, see
 * `status-command.ts`, `override-command.ts`, `coverage-command.ts` and `suggest-command.ts`).
 * `--help` lists the commands, `<command> --help` prints one command's usage, `--version` the
 * package's version. A bad argument prints one line (the flag, the value and the fix) and where
 * the command's usage is.
 * Exit codes: 0 done, 2 bad arguments
 * (including invalid expressions given as flags, or a directory that is not a cloud assembly) or
 * values the checks refuse (nothing was written), 1 anything else (e.g. an invalid schedule in
 * the assembly, or an AWS error).
 */
import { parseArgs } from 'node:util';
import { readArguments, type Flags, type Options } from './arguments';
import { NotAnAssemblyError } from './assembly';
import { InputError, UsageError } from '../common/cli-errors';
import { closestName } from '../common/closest-name';
import type { Io } from './io';
import { packageVersion } from './version';

export type { Io };
import { COVERAGE_OPTIONS, COVERAGE_USAGE, coverageCommand } from './coverage-command';
import { OVERRIDE_OPTIONS, OVERRIDE_USAGE, overrideCommand } from './override-command';
import { PREVIEW_OPTIONS, PREVIEW_USAGE, previewCommand } from './preview-command';
import { STATUS_OPTIONS, STATUS_USAGE, statusCommand } from './status-command';
import { SUGGEST_OPTIONS, SUGGEST_USAGE, suggestCommand } from './suggest-command';

/** The command's name, as users type it. */
const NAME = 'cdk-ec2-scheduler';

const EXIT_CODES =
  'Exit codes: 0 done, 2 bad arguments or refused values (nothing written), 1 anything else (e.g. an AWS error).';

/** A command: what it does in a line, its usage and flags, and what runs it. */
interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  run(flags: Flags, args: string[], io: Io): number | Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  preview: {
    summary: 'when a schedule starts and stops instances, and the hours a week they run',
    usage: PREVIEW_USAGE,
    options: PREVIEW_OPTIONS,
    run: previewCommand,
  },
  status: {
    summary:
      'the tagged instances and groups: state or size, schedule, override, next start or stop',
    usage: STATUS_USAGE,
    options: STATUS_OPTIONS,
    run: statusCommand,
  },
  override: {
    summary: 'keep instances running or stopped until a time, or hand them back',
    usage: OVERRIDE_USAGE,
    options: OVERRIDE_OPTIONS,
    run: overrideCommand,
  },
  coverage: {
    summary:
      'which instances and Auto Scaling groups are scheduled, tagged with no deployed name, or unscheduled',
    usage: COVERAGE_USAGE,
    options: COVERAGE_OPTIONS,
    run: coverageCommand,
  },
  suggest: {
    summary: 'schedules proposed from CloudWatch utilization, and what they save',
    usage: SUGGEST_USAGE,
    options: SUGGEST_OPTIONS,
    run: suggestCommand,
  },
};

/** The flags every command takes. */
const COMMON = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** What `cdk-ec2-scheduler --help` prints: the commands, a line each. */
export function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `${NAME} ${packageVersion()}: previews, inspects and adjusts the schedules of the ${NAME} construct`,
    '',
    `Usage: ${NAME} COMMAND [ARGUMENTS] [FLAGS]`,
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    `"${NAME} COMMAND --help" prints a command's arguments and flags; "${NAME} --version" the version.`,
    EXIT_CODES,
  ].join('\n');
}

/** What `cdk-ec2-scheduler <command> --help` prints: that command's usage only. */
export function commandHelp(command: string): string {
  const c = COMMANDS[command];
  return [`${NAME} ${command}: ${c.summary}`, '', 'Usage:', c.usage, '', EXIT_CODES].join('\n');
}

/** Where a bad argument's reader finds the usage. */
function seeHelp(command?: string): string {
  return `see "${NAME}${command ? ` ${command}` : ''} --help"`;
}

/** `unknown command "x"`, with the closest command or the list. */
function unknownCommand(name: string): UsageError {
  const closest = closestName(name, Object.keys(COMMANDS));
  return new UsageError(
    `unknown command "${name}"; ${closest ? `did you mean "${closest}"?` : `give one of ${commandList()}`}`,
  );
}

/** `preview, status, ... or suggest`. */
function commandList(): string {
  const names = Object.keys(COMMANDS);
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The command (the first argument that is not a flag or a flag's value), help and version. */
function firstLook(argv: string[]) {
  const every = Object.assign({}, ...Object.values(COMMANDS).map((c) => c.options), COMMON);
  const { values, positionals } = parseArgs({
    args: argv,
    options: every,
    strict: false,
    allowPositionals: true,
  });
  return { name: positionals[0], help: values.help === true, version: values.version === true };
}

/** What to do: print some help or the version, or run a command. */
type Action =
  | { readonly print: string }
  | { readonly command: string; readonly flags: Flags; readonly args: string[] };

function actionOf(argv: string[], first: ReturnType<typeof firstLook>): Action {
  if (first.version) return { print: packageVersion() };
  if (first.name === 'help') {
    const [, about] = parseArgs({ args: argv, strict: false, allowPositionals: true }).positionals;
    if (about === undefined) return { print: overview() };
    if (!Object.hasOwn(COMMANDS, about)) throw unknownCommand(about);
    return { print: commandHelp(about) };
  }
  if (first.name === undefined) {
    if (first.help) return { print: overview() };
    throw new UsageError(`give a command: ${commandList()}`);
  }
  if (!Object.hasOwn(COMMANDS, first.name)) throw unknownCommand(first.name);
  const command = first.name;
  const spec = COMMANDS[command];
  const others = Object.fromEntries(Object.entries(COMMANDS).map(([n, c]) => [n, c.options]));
  const { flags, positionals } = readArguments(
    argv,
    { ...spec.options, ...COMMON },
    { command, usage: spec.usage, others },
  );
  if (flags.help) return { print: commandHelp(command) };
  return { command, flags, args: positionals.slice(1) };
}

/** Runs the command with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let command: string | undefined;
  try {
    if (argv.length === 0) {
      io.err(overview());
      return 2;
    }
    const first = firstLook(argv);
    if (first.name !== undefined && Object.hasOwn(COMMANDS, first.name)) command = first.name;
    const action = actionOf(argv, first);
    if ('print' in action) {
      io.out(action.print);
      return 0;
    }
    return await COMMANDS[action.command].run(action.flags, action.args, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof NotAnAssemblyError) {
      io.err(`${err.message}\n${seeHelp(command)}`);
      return 2;
    }
    if (err instanceof InputError) {
      io.err(err.message);
      return 2;
    }
    io.err((err as Error).message);
    return 1;
  }
}
