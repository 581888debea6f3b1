/**
 * Data-parallel gradients on two threads. Every minibatch is split into two fixed halves whose
 * gradients go to two separate buffers and are summed in a fixed order, so the result is
 * bit-identical whether the second half runs on a worker thread or (one core, or the worker
 * failed to start) on the main thread.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PIXELS, Workspace, backward, forward, shiftImage, type MlpConfig, type MlpParams } from './mlp';

export interface TrainSet {
  images: Float32Array; // n × 784
  labels: Uint8Array;
  count: number;
}

/** Samples as (index, dx, dy) triples. */
export type SampleList = Int32Array;

interface Shared {
  cfg: MlpConfig;
  dims: number[][];
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  images: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  count: number;
}

function views(buf: SharedArrayBuffer | ArrayBuffer, dims: number[][]): Float32Array[] {
  let off = 0;
  return dims.map((d) => {
    const n = d.reduce((a, b) => a * b, 1);
    const v = new Float32Array(buf, off * 4, n);
    off += n;
    return v;
  });
}

const total = (dims: number[][]): number => dims.reduce((a, d) => a + d.reduce((x, y) => x * y, 1), 0);

/** Forward + backward over `samples`, accumulating into `grads`. */
function runShard(
  params: MlpParams,
  data: TrainSet,
  ws: Workspace,
  x: Float32Array,
  samples: SampleList,
  grads: Float32Array[],
  scale: number,
): { loss: number; correct: number } {
  for (const g of grads) g.fill(0);
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < samples.length; s += 3) {
    const idx = samples[s];
    shiftImage(data.images, idx * PIXELS, samples[s + 1], samples[s + 2], x);
    const logits = forward(params, x, ws);
    let best = 0;
    for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
    if (best === data.labels[idx]) correct++;
    loss += backward(params, data.labels[idx], ws, grads, scale);
  }
  return { loss, correct };
}

export class ShardedTrainer {
  /** Model parameters, in shared memory so the worker always reads the current weights. */
  readonly params: MlpParams;
  /** Summed gradient of the last step. */
  readonly grads: Float32Array[];
  private readonly shardGrads: [Float32Array[], Float32Array[]];
  private readonly data: TrainSet;
  private readonly ws: Workspace;
  private readonly x = new Float32Array(PIXELS);
  private worker?: Worker;
  private pending?: { resolve: (r: { loss: number; correct: number }) => void; reject: (e: Error) => void };

  private constructor(
    init: MlpParams,
    data: TrainSet,
    readonly threads: number,
  ) {
    const paramBuf = new SharedArrayBuffer(total(init.dims) * 4);
    const tensors = views(paramBuf, init.dims);
    init.tensors.forEach((t, i) => tensors[i].set(t));
    this.params = { cfg: init.cfg, dims: init.dims, tensors };
    const images = new Float32Array(new SharedArrayBuffer(data.images.byteLength));
    images.set(data.images);
    const labels = new Uint8Array(new SharedArrayBuffer(data.labels.byteLength));
    labels.set(data.labels);
    this.data = { images, labels, count: data.count };
    this.ws = new Workspace(init.cfg);
    this.shardGrads = [views(new ArrayBuffer(paramBuf.byteLength), init.dims), views(new SharedArrayBuffer(paramBuf.byteLength), init.dims)];
    this.grads = views(new ArrayBuffer(paramBuf.byteLength), init.dims);
  }

  /** Starts the helper thread when `threads` ≥ 2; falls back to one thread if it cannot start. */
  static async create(init: MlpParams, data: TrainSet, threads: number): Promise<ShardedTrainer> {
    let t = new ShardedTrainer(init, data, Math.min(threads, 2));
    if (t.threads < 2) return t;
    try {
      await t.startWorker();
    } catch (e) {
      console.warn(`worker thread unavailable (${(e as Error).message}); training on one thread, same result`);
      t = new ShardedTrainer(init, data, 1);
    }
    return t;
  }

  private startWorker(): Promise<void> {
    const shared: Shared = {
      cfg: this.params.cfg,
      dims: this.params.dims,
      params: this.params.tensors[0].buffer as SharedArrayBuffer,
      grads: this.shardGrads[1][0].buffer as SharedArrayBuffer,
      images: this.data.images.buffer as SharedArrayBuffer,
      labels: this.data.labels.buffer as SharedArrayBuffer,
      count: this.data.count,
    };
    // Under tsx a worker needs the TypeScript hook registered before it loads this file.
    const boot = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(__filename)});`;
    const w = new Worker(boot, { eval: true, workerData: shared });
    this.worker = w;
    w.on('message', (m: { loss: number; correct: number } | 'ready') => {
      if (m === 'ready') return;
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(m);
    });
    w.on('error', (e) => {
      const p = this.pending;
      this.pending = undefined;
      p?.reject(e);
    });
    return new Promise((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
  }

  /** Gradient of the mean loss over `samples` into this.grads; returns summed loss and hits. */
  async step(samples: SampleList): Promise<{ loss: number; correct: number }> {
    const n = samples.length / 3;
    const half = Math.ceil(n / 2);
    const a = samples.subarray(0, half * 3);
    const b = samples.subarray(half * 3);
    const scale = 1 / n;
    let rb: Promise<{ loss: number; correct: number }>;
    if (this.worker && b.length) {
      rb = new Promise((resolve, reject) => (this.pending = { resolve, reject }));
      this.worker.postMessage({ samples: b, scale });
    } else {
      rb = Promise.resolve(runShard(this.params, this.data, this.ws, this.x, b, this.shardGrads[1], scale));
    }
    const ra = runShard(this.params, this.data, this.ws, this.x, a, this.shardGrads[0], scale);
    const rbv = await rb;
    for (let j = 0; j < this.grads.length; j++) {
      const g = this.grads[j];
      const g0 = this.shardGrads[0][j];
      const g1 = this.shardGrads[1][j];
      for (let i = 0; i < g.length; i++) g[i] = g0[i] + g1[i];
    }
    return { loss: ra.loss + rbv.loss, correct: ra.correct + rbv.correct };
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

if (!isMainThread && parentPort && (workerData as Shared | undefined)?.params) {
  const sh = workerData as Shared;
  const params: MlpParams = { cfg: sh.cfg, dims: sh.dims, tensors: views(sh.params, sh.dims) };
  const grads = views(sh.grads, sh.dims);
  const data: TrainSet = { images: new Float32Array(sh.images), labels: new Uint8Array(sh.labels), count: sh.count };
  const ws = new Workspace(sh.cfg);
  const x = new Float32Array(PIXELS);
  const port = parentPort;
  port.on('message', (m: { samples: SampleList; scale: number }) => port.postMessage(runShard(params, data, ws, x, m.samples, grads, m.scale)));
  port.postMessage('ready');
}
