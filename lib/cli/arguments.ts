/**
 * A command's arguments read with Node's `parseArgs`, each mistake told in the command's terms: the
 * flag, the value and the fix, with "did you mean" for an unknown flag (a typo, a prefix, or the
 * initials of a flag's words: `--tz` for `--time-zone`).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../common/closest-name';
import { UsageError } from '../common/cli-errors';

/** The flags a command takes, as `parseArgs` declares them. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags' values, by name. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** What a command was given. */
export interface Arguments {
  readonly flags: Flags;
  readonly positionals: string[];
}

/** Whose flags are being read, for the messages. */
export interface FlagContext {
  /** The command. */
  readonly command: string;
  /** Its usage text, whose `--flag VALUE` forms show what a flag takes. */
  readonly usage: string;
  /** The other commands' flags, to tell a flag given to the wrong command. */
  readonly others: Readonly<Record<string, Options>>;
}

/** An argument that looks like a flag rather than a value (`-1` is a value). */
const FLAG_LIKE = /^-(?:-|[A-Za-z])/;

/**
 * Reads `argv` with the command's `options`.
 * @throws UsageError for an unknown flag, a missing or unexpected value, or a flag given twice
 */
export function readArguments(argv: string[], options: Options, ctx: FlagContext): Arguments {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const given = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const raw = argv[token.index];
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!spec || (token.rawName.length === 2 && !raw.startsWith('--') && raw.length > 2)) {
      throw new UsageError(unknownFlag(raw, options, ctx));
    }
    const flag = `--${token.name}`;
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`${flag} takes no value; give ${flag} alone`);
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && FLAG_LIKE.test(value))) {
      const after = value === undefined ? '' : ` (what follows it, "${value}", is a flag)`;
      throw new UsageError(`${flag} needs a value${after}; give ${example(flag, ctx.usage)}`);
    }
    const before = given.get(token.name);
    if (before !== undefined && !spec.multiple) {
      throw new UsageError(`${flag} is given twice ("${before}" and "${value}"); give it once`);
    }
    given.set(token.name, value);
  }
  return { flags: values, positionals };
}

/** The usage's `--flag VALUE` form of `flag`, or `--flag VALUE`. */
function example(flag: string, usage: string): string {
  const escaped = flag.replace(/[-]/g, '\\-');
  const found = new RegExp(`${escaped}[ =]([^\\s\\]|)]+)`).exec(usage);
  return `${flag} ${found ? found[1] : 'VALUE'}`;
}

/** The message for an unknown flag: the closest of the command's flags, or whose flag it is. */
function unknownFlag(raw: string, options: Options, ctx: FlagContext): string {
  const given = raw.split('=')[0];
  const name = given.replace(/^-+/, '');
  const flags = Object.keys(options);
  const closest = closestFlag(name, flags);
  const dashes = given.startsWith('--') ? '' : ' (flags take two dashes)';
  if (closest) return `unknown flag ${given}${dashes}; did you mean --${closest}?`;
  const owners = Object.entries(ctx.others)
    .filter(([command, opts]) => command !== ctx.command && Object.hasOwn(opts, name))
    .map(([command]) => command);
  // --help and --version are every command's: not worth listing.
  const list = flags
    .filter((f) => f !== 'help' && f !== 'version')
    .map((f) => `--${f}`)
    .join(', ');
  if (owners.length > 0) {
    return `${ctx.command} takes no ${given} (${owners.join(' and ')} ${owners.length > 1 ? 'do' : 'does'}); its flags are ${list}`;
  }
  return `unknown flag ${given}${dashes}; ${ctx.command}'s flags are ${list}`;
}

/** The initials of a flag's words: `tz` for `time-zone`; none for a one-word flag. */
function initials(flag: string): string | undefined {
  const words = flag.split('-');
  return words.length > 1 ? words.map((w) => w[0]).join('') : undefined;
}

/**
 * The flag `name` most likely means: one within a typo of it, else the only one it begins, else
 * the only one whose words' initials it is.
 */
export function closestFlag(name: string, flags: readonly string[]): string | undefined {
  const only = (found: string[]) => (found.length === 1 ? found[0] : undefined);
  const lower = name.toLowerCase();
  return (
    closestName(name, flags) ??
    (lower.length >= 2 ? only(flags.filter((f) => f.startsWith(lower))) : undefined) ??
    only(flags.filter((f) => initials(f) === lower))
  );
}
