// Error codes shared by the engine, the CLI, the worker protocol and the UI.
// Every failure a user can cause maps to one code and one actionable sentence.

export const ERROR_CODES = {
  BAD_USAGE: 'the command line or request is malformed',
  PATH_DENIED: 'the path is outside the files and folders Octet may use',
  MODEL_NOT_FOUND: 'the model file does not exist',
  MODEL_UNREADABLE: 'the model file is not a valid ONNX model',
  MODEL_UNSUPPORTED: 'the model uses something Octet or ONNX Runtime cannot handle',
  MODEL_ALREADY_QUANTIZED: 'the model is already quantized',
  EXTERNAL_DATA: 'an external-data tensor is missing or escapes the model folder',
  SHAPE_MISMATCH: 'the data does not fit the model input shape',
  DYNAMIC_SHAPE: 'a model input has a dynamic dimension that needs --shape',
  DATA_UNREADABLE: 'the calibration data cannot be read',
  DATA_EMPTY: 'the calibration data holds no samples',
  DATA_NOT_FINITE: 'the data holds NaN or Inf',
  RECIPE_INVALID: 'the recipe is invalid',
  OUTPUT_UNWRITABLE: 'the output cannot be written',
  OUTPUT_IS_INPUT: 'the output path is the input path',
  OUTPUT_BUSY: 'another job is writing the same output',
  DISK_FULL: 'the disk is full',
  NATIVE_MISSING: 'the native addon is not built',
  WORKER_CRASHED: 'the worker process died',
  CANCELLED: 'the job was cancelled',
  RUNTIME_FAILED: 'ONNX Runtime failed to run the model',
  INTERNAL_INVALID_GRAPH: 'Octet produced a graph that breaks an ONNX invariant (a bug in Octet)',
  INTERNAL: 'an internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error whose message is written for the user; `code` is stable for scripts and tests. */
export class OctetError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'OctetError';
  }
}

/** Plain-object form that crosses process and transport boundaries. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  detail?: string;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof OctetError) return { code: e.code, message: e.message, detail: e.detail };
  const err = e as { code?: unknown } | undefined;
  const stack = e instanceof Error ? e.stack : undefined;
  if (err?.code === 'ENOSPC') return { code: 'DISK_FULL', message: 'No space left on device while writing output', detail: stack };
  if (err?.code === 'EFBIG') return { code: 'DISK_FULL', message: 'File size limit reached while writing output', detail: stack };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: message.split('\n')[0] || 'unknown error', detail: stack };
}

export function isErrorCode(x: unknown): x is ErrorCode {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, x);
}

/** The part of a zod issue a message needs (structural, so this module does not import zod). */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code: string;
  readonly keys?: readonly string[];
}

/** One line per schema issue, naming the field: `local.Conv: unknown key "w_dtyp"`, `runs: Too small...`. */
export function issueLines(issues: readonly IssueLike[], root: string): string[] {
  return issues.map((i) => {
    const where = i.path.map(String).join('.') || root;
    const keys = i.keys ?? [];
    return i.code === 'unrecognized_keys'
      ? `${where}: unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`
      : `${where}: ${i.message}`;
  });
}

/** The first `max` issues on one line: what the API, the recipe and the bench settings report. */
export function describeIssues(issues: readonly IssueLike[], root: string, max = 5): string {
  return issueLines(issues.slice(0, max), root).join('; ');
}
