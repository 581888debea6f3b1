import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, type ModelProto } from '../onnx/model';
import { toOrtFeeds, openSession } from './session';
import { OctetError } from '../../shared/errors';
import type { Feed } from '../data/types';

export interface NodeProfile {
  /** Mean kernel time per run in microseconds, by the node name in ORT's optimized graph. */
  kernelUs: Map<string, number>;
  /** The graph ORT actually ran, to map its (often renamed) nodes back to ours. */
  optimized: ModelProto;
  runs: number;
}

/**
 * Runs a model with ORT's profiler on one thread and returns each node's mean kernel time,
 * together with the optimized graph the times refer to.
 */
export async function profileNodes(
  model: Uint8Array,
  feeds: Record<string, Feed>,
  opts: { runs: number; warmup?: number; budgetMs?: number },
): Promise<NodeProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'octet-profile-'));
  try {
    const optimizedPath = join(dir, 'optimized.onnx');
    const session = await openSession(model, { threads: 1, profilePrefix: join(dir, 'profile'), optimizedModelFilePath: optimizedPath });
    const input = toOrtFeeds(feeds);
    for (let i = 0; i < (opts.warmup ?? 3); i++) await session.run(input);
    // Warm-up runs are in the profile too; they are subtracted by counting only the last `runs`.
    const started = performance.now();
    let runs = 0;
    while (runs < opts.runs && (runs < 3 || performance.now() - started < (opts.budgetMs ?? 5000))) {
      await session.run(input);
      runs++;
    }
    session.endProfiling();
    await session.release();
    const file = (await readdir(dir)).find((f) => f.startsWith('profile') && f.endsWith('.json'));
    if (!file) throw new OctetError('INTERNAL', 'ONNX Runtime wrote no profile');
    const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as { cat?: string; name?: string; dur?: number }[];
    const all = new Map<string, number[]>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time')) continue;
      const name = e.name.slice(0, -'_kernel_time'.length);
      const list = all.get(name) ?? [];
      list.push(e.dur ?? 0);
      all.set(name, list);
    }
    const kernelUs = new Map<string, number>();
    for (const [name, durs] of all) {
      const last = durs.slice(-runs);
      kernelUs.set(name, last.reduce((a, b) => a + b, 0) / last.length);
    }
    return { kernelUs, optimized: decodeModel(await readFile(optimizedPath), 'optimized model'), runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
