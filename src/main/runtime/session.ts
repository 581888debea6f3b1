import * as ort from 'onnxruntime-node';
import { stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OctetError } from '../../shared/errors';
import type { Feed } from '../data/types';

export interface SessionOptions {
  threads?: number;
  optimizedModelFilePath?: string;
  /** Turns on ORT's profiler, writing its JSON under this path prefix. */
  profilePrefix?: string;
  level?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** Opens a model in ONNX Runtime; a model ORT rejects becomes a one-line MODEL_UNSUPPORTED. */
export async function openSession(model: Uint8Array | string, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: opts.level ?? 'all',
    intraOpNumThreads: opts.threads ?? 0,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  };
  if (opts.optimizedModelFilePath) options.optimizedModelFilePath = opts.optimizedModelFilePath;
  if (opts.profilePrefix) Object.assign(options, { enableProfiling: true, profileFilePrefix: opts.profilePrefix });
  try {
    return typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  } catch (e) {
    // ORT reports a full disk as a failed serialization; say what really happened.
    const writes = opts.optimizedModelFilePath ?? opts.profilePrefix;
    if (writes && (await outOfSpace(dirname(writes), typeof model === 'string' ? (await stat(model)).size : model.byteLength))) {
      throw new OctetError('DISK_FULL', `No space left in ${dirname(writes)} (the temp folder, TMPDIR) for ONNX Runtime's working files`);
    }
    throw new OctetError('MODEL_UNSUPPORTED', `ONNX Runtime cannot load the model: ${firstLine(e)}`, (e as Error).stack);
  }
}

/** Whether `bytes` more bytes cannot be written in `dir`. */
async function outOfSpace(dir: string, bytes: number): Promise<boolean> {
  const probe = join(dir, `.octet-space-${process.pid}`);
  try {
    await writeFile(probe, new Uint8Array(Math.max(1, bytes)));
    return false;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT';
  } finally {
    await unlink(probe).catch(() => undefined);
  }
}

export function toOrtFeeds(feeds: Record<string, Feed>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) out[name] = new ort.Tensor(f.type, f.data as ort.Tensor.DataType, f.dims);
  return out;
}

export async function run(session: ort.InferenceSession, feeds: Record<string, Feed>, fetches?: string[]): Promise<ort.InferenceSession.ReturnType> {
  try {
    return fetches ? await session.run(toOrtFeeds(feeds), fetches) : await session.run(toOrtFeeds(feeds));
  } catch (e) {
    throw new OctetError('RUNTIME_FAILED', `ONNX Runtime failed to run the model: ${firstLine(e)}`, (e as Error).stack);
  }
}

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // ORT prefixes messages with "[ONNXRuntimeError] : 1 : FAIL : "; the rest is the useful part.
  return msg
    .replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*[A-Z_]+\s*:\s*/, '')
    .split('\n')[0]
    .slice(0, 400);
}
