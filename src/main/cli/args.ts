// Argument helpers shared by the `octet` commands: one wording for every usage error.
import { readFile } from 'node:fs/promises';
import { OctetError, toErrorInfo } from '../../shared/errors';

/** Bad usage: the CLI prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {}

export function positiveInt(s: unknown, flag: string, min = 1): number {
  const n = Number(s);
  if (typeof s !== 'string' || !/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number ≥ ${min}, got '${String(s)}'`);
  return n;
}

export function oneOf<T extends string>(s: string, allowed: readonly T[], flag: string): T {
  if (!allowed.includes(s as T)) throw new UsageError(`${flag} takes one of ${allowed.join('|')}, got '${s}'`);
  return s as T;
}

export function parseShapes(specs: string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    const m = /^(.+)=(\d+(?:,\d+)*)$/.exec(spec);
    if (!m) throw new UsageError(`--shape takes NAME=d0,d1,... with positive whole numbers, got '${spec}'`);
    const dims = m[2].split(',').map(Number);
    if (dims.some((d) => d < 1)) throw new UsageError(`--shape ${m[1]}: every dim must be ≥ 1`);
    shapes[m[1]] = dims;
  }
  return shapes;
}

/** A recipe file's JSON object (validated field by field later, by parseRecipe). */
export async function readRecipeFile(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new OctetError('RECIPE_INVALID', `Cannot read recipe ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new OctetError('RECIPE_INVALID', `Recipe ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OctetError('RECIPE_INVALID', `Recipe ${path} must be a JSON object of settings`);
  return value as Record<string, unknown>;
}

/**
 * The CLI's one way to end on an error: usage errors print the help hint and give exit code 2,
 * everything else one line `octet: error CODE: message` (the stack with --debug) and code 1.
 */
export function reportCliError(e: unknown, debug: boolean, helpCommand: string): number {
  if (e instanceof UsageError || (e instanceof OctetError && e.code === 'BAD_USAGE')) {
    console.error(`octet: ${(e as Error).message}\nRun '${helpCommand}' for usage.`);
    return 2;
  }
  const info = toErrorInfo(e);
  console.error(`octet: error ${info.code}: ${info.message}`);
  if (debug && info.detail) console.error(info.detail);
  return 1;
}
