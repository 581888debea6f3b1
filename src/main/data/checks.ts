// Small checks every data source shares: input dims, limits, sample indices, file-system errors.
import { OctetError } from '../../shared/errors';
import type { InputSpec } from './types';

export function formatDims(dims: readonly (number | bigint | string)[]): string {
  return `[${dims.join(',')}]`;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The caller resolves --shape before opening data; a dim that is still symbolic is a usage bug we name plainly. */
export function assertStaticInput(input: InputSpec): void {
  if (!Array.isArray(input.dims) || input.dims.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new OctetError(
      'DYNAMIC_SHAPE',
      `input '${input.name}' has dims ${formatDims(input.dims ?? [])} with a dynamic or invalid dimension; give a static shape, e.g. --shape ${input.name}=1,3,224,224`,
    );
  }
}

export function singleInput(inputs: InputSpec[], what: string, hint: string): InputSpec {
  if (inputs.length !== 1) {
    const names = inputs.map((i) => `'${i.name}'`).join(', ') || 'none';
    throw new OctetError('BAD_USAGE', `${what} feeds models with exactly one input, but this model has ${inputs.length} (${names}); ${hint}`);
  }
  assertStaticInput(inputs[0]);
  return inputs[0];
}

/** Applies opts.limit to a source's full sample count. */
export function applyLimit(total: number, limit: number | undefined): number {
  if (limit === undefined) return total;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new OctetError('BAD_USAGE', `limit must be a whole number ≥ 1, got ${limit}`);
  }
  return Math.min(total, limit);
}

export function checkIndex(index: number, count: number, description: string): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new OctetError('BAD_USAGE', `sample index ${index} is out of range 0..${count - 1} for ${description}`);
  }
}

export function fsError(path: string, e: unknown): OctetError {
  const code = (e as { code?: string })?.code;
  if (code === 'ENOENT') return new OctetError('DATA_UNREADABLE', `${path} does not exist; give a .npy file, a folder of images, or mnist`);
  if (code === 'EACCES' || code === 'EPERM') return new OctetError('DATA_UNREADABLE', `${path} cannot be read: permission denied`);
  if (code === 'EISDIR') return new OctetError('DATA_UNREADABLE', `${path} is a folder, not a file`);
  const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
  return new OctetError('DATA_UNREADABLE', `${path} cannot be read: ${msg}`);
}
