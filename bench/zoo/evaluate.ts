// Quantizes a zoo model with Octet's built CLI (default recipe) and checks an int8 model against
// its fp32 model in ONNX Runtime (onnxruntime-node): valid, and fidelity with the metric that fits
// the output. Shared by bench/zoo/run.ts and test/zoo/subset.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Feed } from '../../src/main/data/types';
import { toOrtFeeds } from '../../src/main/runtime/session';
import { readArrays, sampleFeeds, type NamedArray } from './arrays';
import type { ZooData } from './data';
import { repoRoot } from './fetch';
import type { Metric, ZooModel } from './manifest';
import { pooledCosine } from '../metrics';
import { runDetached } from '../runDetached';
import { FAITHFUL_AGREEMENT, FAITHFUL_COSINE } from '../../src/shared/report';

export interface OctetRun {
  ok: boolean;
  /** Octet's one-line `octet: error CODE: message` (or the last stderr line) when it failed. */
  error?: string;
  command: string;
  seconds: number;
  report?: Record<string, unknown>;
}

export function octetArgs(m: ZooModel, fp32: string, data: ZooData, out: string, report: string): string[] {
  const args = [
    join(repoRoot, 'bin', 'octet.js'),
    'quantize',
    fp32,
    '-o',
    out,
    '--data',
    data.calib,
    '--calib-samples',
    String(data.calibCount),
    '--report',
    report,
  ];
  for (const [k, v] of Object.entries(m.shapes ?? {})) args.push('--shape', `${k}=${v.join(',')}`);
  if (m.staticShapes) args.push('--static-shapes');
  return args;
}

/** `octet quantize` with the default recipe, as a user runs it. */
export async function quantizeOctet(m: ZooModel, fp32: string, data: ZooData, out: string, timeoutMs = 20 * 60_000): Promise<OctetRun> {
  const report = out.replace(/\.onnx$/, '.report.json');
  const args = octetArgs(m, fp32, data, out, report);
  const command = `node ${args.map((a) => a.replace(`${repoRoot}/`, '')).join(' ')}`;
  const r = await runDetached(process.execPath, args, { cwd: repoRoot, timeoutMs, stderrTail: 200_000 });
  const stderr = r.timedOut ? `${r.stderr}\noctet: error TIMEOUT: no result after ${Math.round(timeoutMs / 1000)} s` : r.stderr;
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (r.code !== 0 || !existsSync(out)) {
    const error = lines.find((l) => l.startsWith('octet: error')) ?? lines.pop() ?? `exit ${r.code}`;
    return { ok: false, error, command, seconds: r.seconds };
  }
  let rep: Record<string, unknown> | undefined;
  try {
    rep = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    rep = undefined;
  }
  return { ok: true, command, seconds: r.seconds, report: rep };
}

export interface Validity {
  valid: boolean;
  reason?: string;
}

export async function openSession1(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
}

function ortError(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 300);
}

export function evalSet(data: ZooData): { arrays: NamedArray[]; dims: Record<string, number[]> } {
  const single = data.inputs.length === 1 ? data.inputs[0].name : 'x';
  return { arrays: readArrays(data.eval, single), dims: Object.fromEntries(data.inputs.map((i) => [i.name, i.dims])) };
}

export function feedsAt(_data: ZooData, set: { arrays: NamedArray[]; dims: Record<string, number[]> }, i: number): Record<string, Feed> {
  return sampleFeeds(set.arrays, i, set.dims);
}

/** ORT loads it and the first evaluation sample gives finite outputs that are not all zero. */
export async function checkValid(path: string, feeds: Record<string, Feed>): Promise<Validity> {
  let s: ort.InferenceSession;
  try {
    s = await openSession1(path);
  } catch (e) {
    return { valid: false, reason: `ORT refuses to load it: ${ortError(e)}` };
  }
  try {
    const out = await s.run(toOrtFeeds(feeds));
    for (const [name, t] of Object.entries(out)) {
      const d = t.data as ArrayLike<number | bigint>;
      let zero = true;
      for (let i = 0; i < d.length; i++) {
        const v = Number(d[i]);
        if (!Number.isFinite(v)) return { valid: false, reason: `non-finite value in output '${name}'` };
        if (v !== 0) zero = false;
      }
      if (zero && d.length > 1 && t.type === 'float32') return { valid: false, reason: `all-zero output '${name}'` };
    }
    return { valid: true };
  } catch (e) {
    return { valid: false, reason: `ORT fails to run it: ${ortError(e)}` };
  } finally {
    await s.release();
  }
}

export interface Fidelity {
  metric: Metric;
  /** The metric's value: cosine, or a share of agreement in 0..1. */
  value: number;
  /** Cosine between fp32 and int8 float outputs over all samples (lowest over the outputs). */
  cosine: number;
  /** Per output: cosine (float outputs) or exact agreement (integer outputs). */
  outputs: Record<string, number>;
  samples: number;
}

export const faithful = (f: Fidelity) => (f.metric === 'cosine' || f.metric === 'pooled-cosine' ? f.value >= FAITHFUL_COSINE : f.value >= FAITHFUL_AGREEMENT);

function argmaxRows(d: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * classes < d.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (d[r * classes + c] > d[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

/** CTC greedy decoding: argmax per step, repeats collapsed, blank 0 dropped. */
export function ctcDecode(d: ArrayLike<number>, classes: number): string {
  const ids = argmaxRows(d, classes);
  const out: number[] = [];
  let prev = -1;
  for (const i of ids) {
    if (i !== prev && i !== 0) out.push(i);
    prev = i;
  }
  return out.join(',');
}

/** fp32 against int8 on the held-out samples, with the model's metric. */
export async function fidelity(fp32: string, int8: string, m: ZooModel, data: ZooData): Promise<Fidelity> {
  const set = evalSet(data);
  const [a, b] = [await openSession1(fp32), await openSession1(int8)];
  const dot = new Map<string, [number, number, number]>();
  const equal = new Map<string, [number, number]>();
  let agree = 0;
  let total = 0;
  const pooled: number[] = [];
  const n = Math.min(m.evalSamples, set.arrays[0].count);
  try {
    for (let i = 0; i < n; i++) {
      const raw = feedsAt(data, set, i);
      const feeds = toOrtFeeds(raw);
      const [x, y] = [await a.run(feeds), await b.run(feeds)];
      for (const name of a.outputNames) {
        const tx = x[name];
        const ty = y[name];
        const dx = tx.data as ArrayLike<number>;
        const dy = ty.data as ArrayLike<number>;
        if (tx.type === 'float32' && m.metric !== 'exact') {
          const acc = dot.get(name) ?? [0, 0, 0];
          for (let k = 0; k < dx.length; k++) {
            acc[0] += dx[k] * dy[k];
            acc[1] += dx[k] * dx[k];
            acc[2] += dy[k] * dy[k];
          }
          dot.set(name, acc);
        } else {
          const acc = equal.get(name) ?? [0, 0];
          for (let k = 0; k < dx.length; k++) acc[0] += Number(dx[k]) === Number(dy[k]) ? 1 : 0;
          acc[1] += dx.length;
          equal.set(name, acc);
        }
        if (m.metricOutput && m.metricOutput !== name) continue;
        if (m.metric === 'top1') {
          const classes = tx.dims[tx.dims.length - 1];
          const px = argmaxRows(dx, classes);
          const py = argmaxRows(dy, classes);
          px.forEach((v, k) => (agree += v === py[k] ? 1 : 0));
          total += px.length;
        } else if (m.metric === 'pooled-cosine') {
          pooled.push(pooledCosine(dx, dy, tx.dims[tx.dims.length - 1], raw.attention_mask?.data as BigInt64Array | undefined));
        } else if (m.metric === 'ctc-text') {
          const classes = tx.dims[tx.dims.length - 1];
          agree += ctcDecode(dx, classes) === ctcDecode(dy, classes) ? 1 : 0;
          total += 1;
        }
      }
    }
  } finally {
    await a.release();
    await b.release();
  }
  const outputs: Record<string, number> = {};
  for (const [k, [xy, xx, yy]] of dot) outputs[k] = xx === 0 && yy === 0 ? 1 : xy / Math.sqrt(xx * yy);
  for (const [k, [e, t]] of equal) outputs[k] = e / t;
  const cosines = [...dot.keys()].map((k) => outputs[k]);
  const cosine = cosines.length ? Math.min(...cosines) : NaN;
  let value: number;
  if (m.metric === 'cosine') value = m.metricOutput ? outputs[m.metricOutput] : cosine;
  else if (m.metric === 'pooled-cosine') value = pooled.reduce((a, b) => a + b, 0) / pooled.length;
  else if (m.metric === 'exact') value = Math.min(...[...equal.keys()].map((k) => outputs[k]));
  else value = total ? agree / total : NaN;
  return { metric: m.metric, value, cosine, outputs, samples: n };
}
