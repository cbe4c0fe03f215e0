/**
 * The `cdk-ec2-scheduler` command: reads the arguments and runs a command (`preview`, see
 * `preview-command.ts`; `status`, `override`, `coverage` and `suggest`, see
 * `status-command.ts`, `override-command.ts`, `coverage-command.ts` and `suggest-command.ts`).
 * Exit codes: 0 done, 2 bad arguments
 * (including invalid expressions given as flags, or a directory that is not a cloud assembly) or
 * values the checks refuse (nothing was written), 1 anything else (e.g. an invalid schedule in
 * the assembly, or an AWS error).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NotAnAssemblyError } from './assembly';
import { InputError, UsageError } from '../common/cli-errors';
import type { Io } from './io';

export type { Io };
import { COVERAGE_OPTIONS, COVERAGE_USAGE, coverageCommand } from './coverage-command';
import { OVERRIDE_OPTIONS, OVERRIDE_USAGE, overrideCommand } from './override-command';
import { PREVIEW_OPTIONS, PREVIEW_USAGE, previewCommand } from './preview-command';
import { STATUS_OPTIONS, STATUS_USAGE, statusCommand } from './status-command';
import { SUGGEST_OPTIONS, SUGGEST_USAGE, suggestCommand } from './suggest-command';

export const USAGE = `Usage:
${PREVIEW_USAGE}

${STATUS_USAGE}

${OVERRIDE_USAGE}

${COVERAGE_USAGE}

${SUGGEST_USAGE}

Exit codes: 0 done, 2 bad arguments or refused values (nothing written), 1 anything else.`;

type Flags = Record<string, string | boolean | string[] | undefined>;
type Options = NonNullable<ParseArgsConfig['options']>;

/** Each command's flags, and what runs it. */
const COMMANDS: Record<
  string,
  { options: Options; run(flags: Flags, args: string[], io: Io): number | Promise<number> }
> = {
  preview: { options: PREVIEW_OPTIONS, run: previewCommand },
  status: { options: STATUS_OPTIONS, run: statusCommand },
  override: { options: OVERRIDE_OPTIONS, run: overrideCommand },
  coverage: { options: COVERAGE_OPTIONS, run: coverageCommand },
  suggest: { options: SUGGEST_OPTIONS, run: suggestCommand },
};
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * The command's name and its flags. The name is found with every command's flags known (so a
 * flag's value is never taken for it); the flags are then read with the command's own.
 */
function parse(argv: string[]): { command?: string; flags: Flags; args: string[] } {
  const all = Object.assign({}, ...Object.values(COMMANDS).map((c) => c.options), HELP);
  const first = parseArgs({ args: argv, allowPositionals: true, strict: false, options: all });
  const [command] = first.positionals;
  const spec = command === undefined ? undefined : COMMANDS[command];
  if (first.values.help) return { flags: { help: true }, args: [] };
  if (!spec) {
    throw new UsageError(
      command === undefined ? 'missing command' : `unknown command "${command}"`,
    );
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...spec.options, ...HELP },
  });
  return { command, flags: values, args: positionals.slice(1) };
}

/** Runs the command with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const { command, flags, args } = parse(argv);
    if (command === undefined || flags.help) {
      io.out(USAGE);
      return 0;
    }
    return await COMMANDS[command].run(flags, args, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof NotAnAssemblyError) {
      io.err(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof InputError) {
      io.err(err.message);
      return 2;
    }
    // parseArgs' own errors are bad arguments too.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      io.err(`${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.err((err as Error).message);
    return 1;
  }
}
