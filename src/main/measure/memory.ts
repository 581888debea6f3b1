// Per-model memory, measured in a fresh child process per model so one model's arena, caches
// and freed-but-kept pages cannot count against the other, and nothing the bench worker holds
// (data, the other sessions) counts at all.
//
// The probe is a plain-JS script run with `node -e` (so it needs no bundling): it loads
// onnxruntime-node, receives the feeds over IPC, initialises ONNX Runtime on a one-op model (so
// the runtime's one-off setup is not charged to the model), runs a GC, reads RSS (the
// baseline), creates the session with the bench's options, runs it, and reports:
//   sessionBytes     = RSS after creation − baseline
//   peakBytes        = ru_maxrss at the end − baseline (ru_maxrss is the kernel's high-water mark,
//                      so transient peaks during graph optimisation and the runs count); when
//                      the high-water mark did not move past its value at the baseline, the
//                      larger of the RSS growth after creation and after the runs
//   processPeakBytes = ru_maxrss (Node + ONNX Runtime + the model)
import { spawn } from 'node:child_process';
import { OctetError } from '../../shared/errors';
import type { ModelMemory } from '../../shared/bench';
import type { Feed } from '../data/types';
import { ModelBuilder } from '../onnx/builder';
import { encodeModel } from '../onnx/model';

let warmBytes: Uint8Array | undefined;
/** x[1] → Relu → y: the smallest model that makes ONNX Runtime set itself up. */
function warmupModel(): Uint8Array {
  if (!warmBytes) {
    const b = new ModelBuilder('octet_memory_warmup', 13);
    b.input('x', [1]);
    b.op('Relu', ['x'], {}, 'y');
    b.output('y', [1]);
    warmBytes = encodeModel(b.build());
  }
  return warmBytes;
}

const PROBE = String.raw`
const ort = require(process.env.OCTET_ORT_PATH);
process.on('disconnect', () => process.exit(0));
process.once('message', async (m) => {
  try {
    const feeds = {};
    for (const [k, f] of Object.entries(m.feeds)) feeds[k] = new ort.Tensor(f.type, f.data, f.dims);
    // Initialise ONNX Runtime (environment, allocators) on a one-op model, so the baseline
    // already holds what any first session pays once.
    const warm = await ort.InferenceSession.create(m.warm, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
    await warm.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
    await warm.release();
    if (global.gc) { global.gc(); global.gc(); }
    await new Promise((r) => setTimeout(r, 20));
    const base = process.memoryUsage().rss;
    const baseMax = process.resourceUsage().maxRSS * 1024;
    const t0 = performance.now();
    const s = await ort.InferenceSession.create(m.model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: m.threads, interOpNumThreads: 1, logSeverityLevel: 3 });
    const createMs = performance.now() - t0;
    const afterCreate = process.memoryUsage().rss;
    for (let i = 0; i < m.runs; i++) await s.run(feeds);
    const afterRuns = process.memoryUsage().rss;
    const peak = process.resourceUsage().maxRSS * 1024;
    process.send({ ok: true, base, baseMax, afterCreate, afterRuns, peak, createMs }, () => process.exit(0));
  } catch (e) {
    process.send({ ok: false, message: String(e && e.message || e).split('\n')[0] }, () => process.exit(0));
  }
});
process.send({ ready: true });
`;

interface ProbeReply {
  ready?: boolean;
  ok?: boolean;
  message?: string;
  base: number;
  baseMax: number;
  afterCreate: number;
  afterRuns: number;
  peak: number;
  createMs: number;
}

export const MEMORY_METHOD =
  'a fresh child process per model, ONNX Runtime initialised first on a one-op model: session = RSS after creating the session minus RSS before; peak = the kernel high-water mark (ru_maxrss) after the runs minus RSS before creation';

/** Session and peak memory of one model, measured in a child process. */
export function measureModelMemory(
  model: string,
  feeds: Record<string, Feed>,
  opts: { threads: number; runs: number; signal?: AbortSignal; timeoutMs?: number },
): Promise<ModelMemory> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '-e', PROBE], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, OCTET_ORT_PATH: require.resolve('onnxruntime-node'), ELECTRON_RUN_AS_NODE: '1' },
    });
    let stderr = '';
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(() => reject(new OctetError('CANCELLED', 'The benchmark was cancelled')));
    };
    opts.signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new Error(`the memory probe took longer than ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s`)));
    }, opts.timeoutMs ?? 120_000);
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.on('message', (m: ProbeReply) => {
      if (m.ready) {
        child.send({ model, feeds, threads: opts.threads, runs: opts.runs, warm: warmupModel() });
        return;
      }
      if (!m.ok) return finish(() => reject(new Error(m.message ?? 'the memory probe failed')));
      finish(() =>
        resolve({
          sessionBytes: Math.max(0, m.afterCreate - m.base),
          peakBytes: Math.max(0, m.peak > m.baseMax ? m.peak - m.base : Math.max(m.afterCreate, m.afterRuns) - m.base),
          processPeakBytes: m.peak,
          createMs: Math.round(m.createMs * 10) / 10,
        }),
      );
    });
    child.on('error', (e) => finish(() => reject(e)));
    // IPC messages can still be in flight when 'exit' fires: give them a moment.
    child.on('exit', (code, signal) =>
      setTimeout(
        () =>
          finish(() =>
            reject(new Error(`the memory probe exited (${signal ?? `code ${code}`}) before answering${stderr ? `: ${stderr.split('\n')[0]}` : ''}`)),
          ),
        200,
      ),
    );
  });
}
