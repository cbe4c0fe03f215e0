/**
 * The `cdk-ec2-scheduler` command: reads the arguments and runs a command (`preview`, see
 * `preview-command.ts`). Exit codes: 0 done, 2 bad arguments (including invalid expressions given
 * as flags), 1 anything else (e.g. an invalid schedule in the assembly).
 */
import { parseArgs } from 'node:util';
import { NotAnAssemblyError } from './assembly';
import { UsageError } from './cli-errors';
import { PREVIEW_OPTIONS, PREVIEW_USAGE, previewCommand } from './preview-command';

export const USAGE = `Usage:\n${PREVIEW_USAGE}`;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** Runs the command with `argv` (without node and the script); returns the exit code. */
export function main(argv: string[], io: Io): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...PREVIEW_OPTIONS, help: { type: 'boolean', short: 'h' } },
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
    const [command, ...args] = positionals;
    if (command !== 'preview') {
      throw new UsageError(
        command === undefined ? 'missing command' : `unknown command "${command}"`,
      );
    }
    return previewCommand(values, args, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof NotAnAssemblyError) {
      io.err(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    io.err((err as Error).message);
    return 1;
  }
}
