// One shape for every `octet` command: its flags (node's parseArgs config, so the parsed values are
// typed), its help text, a parse step from flags to the command's arguments, and a run step.
// runCommand does the rest the same way for every command:
//   --help prints the usage (exit 0); --debug adds stack traces;
//   bad usage prints the message and a pointer to `octet NAME --help` (exit 2);
//   Ctrl-C or SIGTERM aborts ctx.signal, which kills the job's worker (exit 130);
//   any other failure prints one line `octet: error CODE: message` (exit 1).
// A new command is one defineCommand(...) in its own file plus one line in main.ts's COMMANDS.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OctetError } from '../../shared/errors';
import { progressPrinter } from './progress';
import { reportCliError, usageError } from './args';

/** The exit codes every command shares (a command may add its own, e.g. tune's 3). */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, CANCELLED: 130 } as const;

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
type ParseConfig<F extends ParseArgsOptionsConfig> = { options: F; allowPositionals: true; strict: true };
/** The values parseArgs gives for flags F: string, boolean or string[] per flag, typed. */
export type FlagValues<F extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<ParseConfig<F>>>['values'];

export interface CommandContext {
  /** Aborted by Ctrl-C / SIGTERM: pass it to runInWorker so the worker is killed. */
  signal: AbortSignal;
  /** Progress and job log lines on stderr. */
  progress: ReturnType<typeof progressPrinter>;
}

export interface Command<F extends ParseArgsOptionsConfig, A> {
  name: string;
  /** This command's lines in `octet --help`. */
  synopsis: string;
  /** `octet NAME --help`. */
  usage: string;
  /** The command's own flags; --help (-h) and --debug are added to every command. */
  flags: F;
  /** Flags and positionals → the command's arguments. Throws usageError(...) for bad usage. */
  parse(values: FlagValues<F>, positionals: string[]): A | Promise<A>;
  /** Runs the command; returns its exit code. */
  run(args: A, ctx: CommandContext): Promise<number>;
  /** What a cancel left behind, after "octet: error CANCELLED: " (default: nothing was written). */
  cancelled?(args: A): string;
}

/** Any command, for the table in main.ts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any, any>;

/** Declares a command; `const F` keeps the flag types literal so parse() gets typed values. */
export function defineCommand<const F extends ParseArgsOptionsConfig, A>(c: Command<F, A>): Command<F, A> {
  return c;
}

const COMMON = { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } } as const;

/** Parses argv for a command: `{ help: true }` for --help, else its arguments. Throws BAD_USAGE. */
export async function parseCommand<F extends ParseArgsOptionsConfig, A>(
  cmd: Command<F, A>,
  argv: string[],
): Promise<{ help: true } | { help: false; args: A }> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...cmd.flags, ...COMMON }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError((e as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) return { help: true };
  // parseArgs cannot type a config merged from a generic F; the values less the common flags are FlagValues<F>.
  const values = Object.fromEntries(Object.entries(parsed.values).filter(([k]) => !(k in COMMON))) as FlagValues<F>;
  return { help: false, args: await cmd.parse(values, parsed.positionals) };
}

/** Runs one command with argv (everything after its name); returns the exit code. */
export async function runCommand<F extends ParseArgsOptionsConfig, A>(cmd: Command<F, A>, argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressPrinter(process.stderr);
  let args: A | undefined;
  try {
    const parsed = await parseCommand(cmd, argv);
    if (parsed.help) {
      console.log(cmd.usage);
      return EXIT.OK;
    }
    args = parsed.args;
    return await cmd.run(args, { signal: ac.signal, progress });
  } catch (e) {
    progress.done();
    if (ac.signal.aborted || (e instanceof OctetError && e.code === 'CANCELLED')) {
      console.error(`octet: error CANCELLED: ${args !== undefined && cmd.cancelled ? cmd.cancelled(args) : `${cmd.name} was cancelled; nothing was written`}`);
      return EXIT.CANCELLED;
    }
    return reportCliError(e, debug, `octet ${cmd.name} --help`);
  } finally {
    progress.done();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
