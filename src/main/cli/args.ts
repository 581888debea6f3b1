// Argument helpers shared by the `octet` commands: one wording for every usage error.
import { readFile } from 'node:fs/promises';
import { OctetError, toErrorInfo } from '../../shared/errors';

/** Bad usage: the CLI prints it with a pointer to --help and exits 2. */
export const usageError = (message: string): OctetError => new OctetError('BAD_USAGE', message);

/** A whole number ≥ min from a flag's text. */
export function positiveInt(s: unknown, flag: string, min = 1): number {
  const n = Number(s);
  if (typeof s !== 'string' || !/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < min)
    throw usageError(`${flag} takes a whole number ≥ ${min}, got '${String(s)}'`);
  return n;
}

export function oneOf<T extends string>(s: string, allowed: readonly T[], flag: string): T {
  if (!allowed.includes(s as T)) throw usageError(`${flag} takes one of ${allowed.join('|')}, got '${s}'`);
  return s as T;
}

/** Whole numbers ≥ 1 separated by commas, duplicates dropped: --batch 1,8,32. */
export function intList(s: unknown, flag: string): number[] {
  if (typeof s !== 'string' || s.trim() === '') throw usageError(`${flag} takes whole numbers ≥ 1 separated by commas, got '${String(s)}'`);
  return [...new Set(s.split(',').map((x) => positiveInt(x.trim(), flag)))];
}

/** Seconds from 0 to max, e.g. --min-time 0.5. */
export function seconds(s: string, flag: string, max: number): number {
  const t = Number(s);
  if (!/^\d+(\.\d+)?$/.test(s.trim()) || !(t <= max)) throw usageError(`${flag} takes seconds from 0 to ${max}, got '${s}'`);
  return t;
}

/** --shape NAME=d0,d1,... (repeatable) → { NAME: [d0, d1, ...] }. */
export function parseShapes(specs: string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    const m = /^(.+)=(\d+(?:,\d+)*)$/.exec(spec);
    if (!m) throw usageError(`--shape takes NAME=d0,d1,... with positive whole numbers, got '${spec}'`);
    const dims = m[2].split(',').map(Number);
    if (dims.some((d) => d < 1)) throw usageError(`--shape ${m[1]}: every dim must be ≥ 1`);
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
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new OctetError('RECIPE_INVALID', `Recipe ${path} must be a JSON object of settings`);
  return value as Record<string, unknown>;
}

/**
 * The CLI's one way to end on an error: usage errors print the help hint and give exit code 2,
 * everything else one line `octet: error CODE: message` (the stack with --debug) and code 1.
 */
export function reportCliError(e: unknown, debug: boolean, helpCommand: string): number {
  if (e instanceof OctetError && e.code === 'BAD_USAGE') {
    console.error(`octet: ${e.message}\nRun '${helpCommand}' for usage.`);
    return 2;
  }
  const info = toErrorInfo(e);
  console.error(`octet: error ${info.code}: ${info.message}`);
  if (debug && info.detail) console.error(info.detail);
  return 1;
}
