// The peer table (terminal and markdown) and the "Done means" verdict per model.
import type { HeadToHead, Measured } from './measure';
import type { QuantRun, ToolSpec } from './runTools';

export interface Row {
  model: string;
  metric: 'top1' | 'cosine' | 'embedding-cosine';
  tool: ToolSpec;
  quant: QuantRun;
  measured?: Measured;
}

export interface Env {
  date: string;
  cpu: {
    model: string;
    cores: number;
    memoryGiB: number;
    avx2: boolean;
    fma: boolean;
    avx512f: boolean;
    avx512bw: boolean;
    avx512vnni: boolean;
    avxvnni: boolean;
    bestKernel: string;
  };
  node: string;
  /** `git describe --always --dirty` of the tree whose Octet was measured. */
  octetGit: string;
  onnxruntimeNode: string;
  python: Record<string, string>;
  minutes: number;
  load: { start: number; end: number };
  cases: { name: string; calibration: string; evaluation: string; notRun?: Record<string, string> }[];
}

export interface Verdict {
  model: string;
  octet?: { fidelity: number; ratio?: number };
  bestPeerFidelity?: { tool: string; fidelity: number };
  bestPeerSpeed?: { tool: string; ratio: number };
  /** Octet against the best-speed peer, timed against each other; decides "at least as fast" when present. */
  headToHead?: HeadToHead;
  /** Octet against ORT's quantize_dynamic, timed against each other (when that model is valid): the same numbers as headToHead when it is the best-speed peer. */
  vsDynamic?: HeadToHead & { dynamicRatio?: number };
  /** yes: ≥ the best peer; tie: below it by at most the tolerance; no; n/a: Octet or every peer failed. */
  faithful: 'yes' | 'tie' | 'no' | 'n/a';
  fast: 'yes' | 'tie' | 'no' | 'n/a';
  /** Peer models (running some int8) at least as faithful and at least as fast as Octet's, raw numbers. */
  dominatedBy: string[];
}

/** One evaluation sample for top-1 (1/2000 as a fallback); 1e-4 for cosine. */
const FIDELITY_TOL = { top1: 1 / 2000, cosine: 1e-4, 'embedding-cosine': 1e-4 };
/** Two int8 models timed in the same interleaved rounds: medians within 3% are a tie. */
const SPEED_TOL = 0.03;

function fidelityOf(r: Row): number | undefined {
  const b = r.measured?.bench;
  if (!r.measured?.valid || !b) return undefined;
  if (r.metric === 'embedding-cosine') return r.measured.embedding?.mean;
  return r.metric === 'top1' ? b.accuracy?.int8 : b.fidelity.cosine;
}

/** The ORT quantize_dynamic row of a model. */
export const isDynamic = (r: Row) => r.tool.tool === 'ort' && r.tool.variant === 'dynamic';

const valid = (r: Row) => r.quant.ok && !!r.measured?.valid;
/** A valid model in which ORT runs at least one Conv/MatMul/Gemm in int8: an int8 model, not an fp32 one with Q/DQ pairs. */
const runsInt8 = (r: Row) => valid(r) && (r.measured?.fusion?.int8Ops ?? 0) > 0;

export function verdicts(
  rows: Row[],
  headToHead: ReadonlyMap<string, HeadToHead> = new Map(),
  vsDynamic: ReadonlyMap<string, HeadToHead> = new Map(),
): Verdict[] {
  const models = [...new Set(rows.map((r) => r.model))];
  return models.map((model) => {
    const rs = rows.filter((r) => r.model === model);
    const octet = rs.find((r) => r.tool.tool === 'octet' && r.tool.variant === 'default' && valid(r));
    const peers = rs.filter((r) => r.tool.tool !== 'octet' && runsInt8(r));
    const v: Verdict = { model, faithful: 'n/a', fast: 'n/a', dominatedBy: [] };
    if (octet) v.octet = { fidelity: fidelityOf(octet)!, ratio: octet.measured?.latency?.ratioMedian };
    const byFid = peers.filter((r) => fidelityOf(r) !== undefined).sort((a, b) => fidelityOf(b)! - fidelityOf(a)!);
    if (byFid.length) v.bestPeerFidelity = { tool: byFid[0].tool.label, fidelity: fidelityOf(byFid[0])! };
    const bySpeed = peers.filter((r) => r.measured?.latency).sort((a, b) => a.measured!.latency!.ratioMedian - b.measured!.latency!.ratioMedian);
    if (bySpeed.length) v.bestPeerSpeed = { tool: bySpeed[0].tool.label, ratio: bySpeed[0].measured!.latency!.ratioMedian };
    if (v.octet && v.bestPeerFidelity) {
      const n = octet!.measured?.bench?.accuracy?.samples;
      const tol = octet!.metric === 'top1' && n ? 1 / n : FIDELITY_TOL[octet!.metric];
      const d = v.octet.fidelity - v.bestPeerFidelity.fidelity;
      v.faithful = d >= 0 ? 'yes' : d >= -tol ? 'tie' : 'no';
    }
    const h = headToHead.get(model);
    if (h && h.tool === v.bestPeerSpeed?.tool) v.headToHead = h;
    const dyn = rs.find((r) => isDynamic(r) && valid(r));
    const hd = vsDynamic.get(model) ?? (dyn && h?.tool === dyn.tool.label ? h : undefined);
    if (hd && dyn) v.vsDynamic = { ...hd, dynamicRatio: dyn.measured?.latency?.ratioMedian };
    if (v.octet?.ratio !== undefined && v.bestPeerSpeed) {
      // Octet's time over the peer's: directly when they were timed against each other.
      const rel = v.headToHead ? 1 / v.headToHead.ratio : v.octet.ratio / v.bestPeerSpeed.ratio;
      v.fast = rel <= 1 ? 'yes' : rel <= 1 + SPEED_TOL ? 'tie' : 'no';
    }
    if (v.octet?.ratio !== undefined) {
      const o = v.octet as { fidelity: number; ratio: number };
      v.dominatedBy = peers
        .filter((r) => fidelityOf(r)! >= o.fidelity && r.measured!.latency !== undefined && r.measured!.latency.ratioMedian <= o.ratio)
        .map((r) => r.tool.label);
    }
    return v;
  });
}

const HEAD = [
  'model',
  'tool',
  'valid',
  'fidelity',
  'SQNR dB',
  'int8/fp32 latency',
  'p10–p90',
  'ms fp32→int8',
  'int8 compute',
  'calib+convert s',
  'wall s',
  'peak RSS MiB',
  'note',
];

const fmtMs = (x: number) => (x < 1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));

function cells(r: Row): string[] {
  const m = r.measured;
  const b = m?.bench;
  const q = r.quant;
  const ok = valid(r);
  const e = m?.embedding;
  const fid =
    !ok || !b
      ? '–'
      : r.metric === 'top1' && b.accuracy
        ? `top-1 ${(b.accuracy.int8 * 100).toFixed(2)}% (cos ${b.fidelity.cosine.toFixed(4)})`
        : r.metric === 'embedding-cosine' && e
          ? `emb cos ${e.mean.toFixed(4)} (min ${e.min.toFixed(4)}; output cos ${b.fidelity.cosine.toFixed(4)})`
          : `cos ${b.fidelity.cosine.toFixed(5)}`;
  const lat = ok && m?.latency ? m.latency.ratioMedian.toFixed(3) : '–';
  const spread = ok && m?.latency ? `${m.latency.ratioP10.toFixed(2)}–${m.latency.ratioP90.toFixed(2)}` : '–';
  const ms = ok && m?.latency ? `${fmtMs(m.latency.fp32Ms)}→${fmtMs(m.latency.int8Ms)}` : '–';
  const ops = ok && m?.fusion ? `${m.fusion.int8Ops}/${m.fusion.int8Ops + m.fusion.fp32ComputeOps}` : '–';
  const notes = [...q.notes];
  if (ok && m?.fusion && m.fusion.int8Ops === 0) notes.push('no compute op runs in int8 in ORT (Q/DQ around fp32 ops): not counted as a peer result');
  const note = !q.ok ? (q.reason ?? 'failed') : m && !m.valid ? (m.reason ?? 'invalid') : notes.join('; ');
  return [
    r.model,
    r.tool.label,
    ok ? 'yes' : 'no',
    fid,
    ok && b ? b.fidelity.sqnrDb.toFixed(1) : '–',
    lat,
    spread,
    ms,
    ops,
    q.seconds !== undefined ? q.seconds.toFixed(1) : '–',
    q.wallSeconds !== undefined ? q.wallSeconds.toFixed(1) : '–',
    q.peakRssMiB !== undefined ? q.peakRssMiB.toFixed(0) : '–',
    note,
  ];
}

function cpuLine(env: Env): string {
  const c = env.cpu;
  const flags = `AVX2 ${c.avx2 ? 'yes' : 'no'}, FMA ${c.fma ? 'yes' : 'no'}, AVX-512F ${c.avx512f ? 'yes' : 'no'}, AVX-512BW ${c.avx512bw ? 'yes' : 'no'}, AVX-512 VNNI ${c.avx512vnni ? 'yes' : 'no'}, AVX-VNNI ${c.avxvnni ? 'yes' : 'no'}`;
  return `${c.model}, ${c.cores} cores, ${c.memoryGiB} GiB; ${flags}`;
}

export function renderTable(rows: Row[], env: Env): string {
  const all = [HEAD, ...rows.map(cells)];
  const w = HEAD.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const lines = all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  '));
  return [`bench:peers ${env.date} — ${cpuLine(env)}; latency at 1 thread, batch 1`, ...lines].join('\n');
}

const fmtFid = (metric: string, x: number) =>
  metric === 'top1' ? `${(x * 100).toFixed(2)}%` : metric === 'embedding-cosine' ? `emb cos ${x.toFixed(4)}` : x.toFixed(5);

/** Octet against quantize_dynamic, head to head: "dynamic/Octet time 1.234 (p10–p90 1.10–1.30, N rounds): Octet faster". */
function dynamicLine(v: Verdict): string | undefined {
  const d = v.vsDynamic;
  if (!d) return undefined;
  const who =
    d.ratio >= 1
      ? 'Octet not slower'
      : d.ratio >= 1 - SPEED_TOL
        ? `Octet slower by ${((1 / d.ratio - 1) * 100).toFixed(1)}% (within the ${SPEED_TOL * 100}% tie)`
        : `Octet slower by ${((1 / d.ratio - 1) * 100).toFixed(1)}%`;
  return `quantize_dynamic time / Octet time ${d.ratio.toFixed(3)} (p10–p90 ${d.ratioP10.toFixed(2)}–${d.ratioP90.toFixed(2)}, ${d.rounds} rounds): ${who}`;
}

/** One line per model for the terminal: Octet against the best peer. */
export function renderVerdictLines(rows: Row[], vs: Verdict[]): string {
  return vs
    .map((v) => {
      const metric = rows.find((r) => r.model === v.model)!.metric;
      if (!v.octet) return `${v.model}: Octet failed`;
      const fid = v.bestPeerFidelity
        ? `${fmtFid(metric, v.octet.fidelity)} vs ${fmtFid(metric, v.bestPeerFidelity.fidelity)} (${v.bestPeerFidelity.tool})`
        : 'no valid peer';
      const lat =
        v.bestPeerSpeed && v.octet.ratio !== undefined
          ? `${v.octet.ratio.toFixed(3)} vs ${v.bestPeerSpeed.ratio.toFixed(3)} (${v.bestPeerSpeed.tool})${v.headToHead ? `; head to head, peer/Octet ${v.headToHead.ratio.toFixed(3)}` : ''}`
          : 'no valid peer';
      const dyn = dynamicLine(v);
      return `${v.model}: as faithful ${v.faithful} [${fid}]; as fast ${v.fast} [${lat}]${dyn ? `\n${v.model}: Octet vs ORT quantize_dynamic head to head: ${dyn}` : ''}`;
    })
    .join('\n');
}

export function renderMarkdown(rows: Row[], env: Env, vs: Verdict[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out: string[] = [];
  out.push(`# Peer comparison, ${env.date}`, '');
  out.push(`- CPU: ${cpuLine(env)} (Octet's native kernels: ${env.cpu.bestKernel})`);
  out.push(`- Octet: ${env.octetGit}`);
  out.push(
    `- Node ${env.node}, onnxruntime-node ${env.onnxruntimeNode}; Python peers: ${
      Object.entries(env.python)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
  );
  out.push('- Data (every tool calibrates on the same samples):');
  for (const c of env.cases) {
    out.push(`  - ${c.name}: calibration on ${c.calibration}; evaluation on ${c.evaluation}`);
    for (const [k, why] of Object.entries(c.notRun ?? {})) out.push(`    - ${k}: ${why}`);
  }
  out.push(`- Latency: int8/fp32 at 1 intra-op thread, batch 1, block-interleaved A/B rounds, tools visited round-robin; below 1 means int8 is faster`);
  out.push(
    `- Whole run: ${env.minutes} min; 1-minute load average ${env.load.start.toFixed(1)} at the start, ${env.load.end.toFixed(1)} at the end (2 cores, shared machine)`,
  );
  out.push('- How to run it and what each column means: bench/peers/README.md', '');
  out.push(`| ${HEAD.join(' | ')} |`, `| ${HEAD.map(() => '---').join(' | ')} |`);
  for (const r of rows) out.push(`| ${cells(r).map(esc).join(' | ')} |`);
  out.push('', '## Octet against the best peer', '');
  out.push(
    '| model | Octet fidelity | best peer fidelity | at least as faithful | Octet latency | best peer latency | head to head: peer/Octet time (p10–p90) | at least as fast | peers both as faithful and as fast |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const v of vs) {
    const metric = rows.find((r) => r.model === v.model)!.metric;
    out.push(
      `| ${v.model} | ${v.octet ? fmtFid(metric, v.octet.fidelity) : 'failed'} | ${v.bestPeerFidelity ? `${fmtFid(metric, v.bestPeerFidelity.fidelity)} (${v.bestPeerFidelity.tool})` : 'none valid'} | ${v.faithful} | ${v.octet?.ratio?.toFixed(3) ?? '–'} | ${v.bestPeerSpeed ? `${v.bestPeerSpeed.ratio.toFixed(3)} (${v.bestPeerSpeed.tool})` : 'none valid'} | ${v.headToHead ? `${v.headToHead.ratio.toFixed(3)} (${v.headToHead.ratioP10.toFixed(2)}–${v.headToHead.ratioP90.toFixed(2)}, ${v.headToHead.rounds} rounds)` : '–'} | ${v.fast} | ${v.dominatedBy.join(', ') || 'none'} |`,
    );
  }
  out.push(
    '',
    `Best peer: the best valid peer model in which ORT runs at least one compute op in int8. "tie": below the best peer by at most one evaluation sample (top-1) or 1e-4 (cosine), or slower by at most ${SPEED_TOL * 100}% (latency). "At least as fast" is decided head to head when Octet and the best-speed peer were timed against each other (above 1: Octet is faster).`,
  );
  const dyn = vs.filter((v) => v.vsDynamic);
  if (dyn.length) {
    out.push('', '## Octet against ORT quantize_dynamic, head to head', '');
    out.push(
      '| model | Octet int8/fp32 | quantize_dynamic int8/fp32 | head to head: quantize_dynamic time / Octet time (p10–p90, rounds) | Octet not slower |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const v of dyn) {
      const d = v.vsDynamic!;
      out.push(
        `| ${v.model} | ${v.octet?.ratio?.toFixed(3) ?? '–'} | ${d.dynamicRatio?.toFixed(3) ?? '–'} | ${d.ratio.toFixed(3)} (${d.ratioP10.toFixed(2)}–${d.ratioP90.toFixed(2)}, ${d.rounds}) | ${d.ratio >= 1 ? 'yes' : d.ratio >= 1 - SPEED_TOL ? 'tie' : 'no'} |`,
      );
    }
    out.push(
      '',
      "Octet's int8 model and ORT's quantize_dynamic model timed against each other in the same interleaved blocks (block minima, 1 thread, batch 1): above 1, Octet is faster.",
    );
  }
  const failed = rows.filter((r) => !valid(r));
  if (failed.length) {
    out.push('', '## Failures', '');
    for (const r of failed) out.push(`- ${r.model}, ${r.tool.label}: ${!r.quant.ok ? r.quant.reason : r.measured?.reason}`);
  }
  return out.join('\n') + '\n';
}
