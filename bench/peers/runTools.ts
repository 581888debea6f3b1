// Runs one quantization (a Python peer or Octet's built CLI) as its own process under GNU
// time, so each gets its own wall time and peak RSS.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelCase } from './cases';
import type { RecipeInput } from '../../src/shared/recipe';
import type { QuantizeReport } from '../../src/shared/report';
import { runDetached } from '../runDetached';

export interface ToolSpec {
  /** Row label, e.g. "ORT per-channel MinMax". */
  label: string;
  tool: 'octet' | 'ort' | 'nncf' | 'inc';
  variant: string;
  /** Offered only to models whose default-domain opset is below this. */
  belowOpset?: number;
  /** Offered only to models of this kind (ModelCase.kind). */
  onlyFor?: 'transformer';
  /** Octet: recipe fields on top of the case's (calibration samples, preprocessing). */
  recipe?: RecipeInput;
}

export interface QuantRun {
  ok: boolean;
  reason?: string;
  /** The tool's own calibration + conversion seconds (Octet: the report's `seconds`). */
  seconds?: number;
  /** Process wall time, start-up and imports included. */
  wallSeconds?: number;
  /** Peak RSS of the process tree's largest process (GNU time's maximum resident set size). */
  peakRssMiB?: number;
  notes: string[];
  output: string;
}

export const TOOLS: ToolSpec[] = [
  { label: 'Octet (default recipe)', tool: 'octet', variant: 'default' },
  // Not judged against the peers (the default recipe is): the exact-kernel option, for its trade-off.
  { label: 'Octet (w_dtype uint8)', tool: 'octet', variant: 'uint8', recipe: { w_dtype: 'uint8' } },
  { label: 'ORT per-tensor MinMax', tool: 'ort', variant: 'pt-minmax' },
  { label: 'ORT per-channel MinMax', tool: 'ort', variant: 'pc-minmax' },
  { label: 'ORT per-tensor Entropy', tool: 'ort', variant: 'pt-entropy' },
  { label: 'ORT per-channel Entropy', tool: 'ort', variant: 'pc-entropy' },
  // What people use for transformers on CPU: int8 weights, activation ranges computed at run time.
  { label: 'ORT quantize_dynamic (QInt8 weights)', tool: 'ort', variant: 'dynamic', onlyFor: 'transformer' },
  { label: 'NNCF (defaults)', tool: 'nncf', variant: 'default' },
  { label: 'NNCF after opset 13 upgrade', tool: 'nncf', variant: 'opset13', belowOpset: 13 },
  { label: 'INC (defaults: QOperator, per-tensor)', tool: 'inc', variant: 'default' },
  { label: 'INC QDQ per-channel', tool: 'inc', variant: 'qdq-pc' },
];

export const toolKey = (t: ToolSpec) => `${t.tool}-${t.variant}`;

/** The tools a model is quantized with: opset limits, tools for some kinds of model only, and the case's own skips. */
export const applicableTools = (tools: ToolSpec[], c: ModelCase) =>
  tools.filter((t) => (t.belowOpset === undefined || c.opset < t.belowOpset) && (!t.onlyFor || t.onlyFor === c.kind) && !c.skipTools?.[toolKey(t)]);

function parseTime(stderr: string): { wall?: number; rssKiB?: number } {
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(stderr)?.[1];
  let secs: number | undefined;
  if (wall) secs = wall.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
  return { wall: secs, rssKiB: rss ? Number(rss) : undefined };
}

/** The last line of a Python traceback or Octet's `octet: error CODE: message`, for a failure row. */
function reasonFrom(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(Command exited|Command being timed|\w[\w ()/:%-]*: [\d:.?%]+$)/.test(l));
  const octet = lines.find((l) => l.startsWith('octet: error'));
  return (octet ?? lines.pop() ?? 'no output').slice(0, 300);
}

export async function quantizeWith(
  t: ToolSpec,
  c: ModelCase,
  ctx: { root: string; work: string; python?: string; timeBin?: string; timeoutMs: number },
): Promise<QuantRun> {
  const base = join(ctx.work, 'int8', `${c.name}.${toolKey(t)}`);
  const output = `${base}.onnx`;
  let cmd: string[];
  if (t.tool === 'octet') {
    const recipe = `${base}.recipe.json`;
    writeFileSync(recipe, JSON.stringify({ ...c.recipe, ...t.recipe }, null, 2));
    cmd = [
      process.execPath,
      join(ctx.root, 'bin', 'octet.js'),
      'quantize',
      c.fp32,
      '-o',
      output,
      '--data',
      c.octetData,
      '--recipe',
      recipe,
      '--report',
      `${base}.report.json`,
    ];
  } else {
    if (!ctx.python) return { ok: false, reason: 'no Python venv', notes: [], output };
    cmd = [ctx.python, join(ctx.root, 'bench', 'peers', 'quantize_peer.py'), t.tool, t.variant, c.fp32, c.calibNpy, output, ...c.peerArgs];
  }
  const full = ctx.timeBin ? [ctx.timeBin, '-v', ...cmd] : cmd;
  // Its own scratch folder as the working directory: ORT's quant_pre_process leaves files in the
  // current directory (sym_shape_infer_temp.onnx, <uuid>.data external weights), never in the repo.
  const cwd = `${base}.cwd`;
  mkdirSync(cwd, { recursive: true });
  const r = await runDetached(full[0], full.slice(1), {
    cwd,
    timeoutMs: ctx.timeoutMs,
    env: { ...process.env, PYTHONUNBUFFERED: '1', TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  writeFileSync(`${base}.log`, `$ ${full.join(' ')}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  const { wall, rssKiB } = parseTime(r.stderr);
  const common = { wallSeconds: wall, peakRssMiB: rssKiB !== undefined ? rssKiB / 1024 : undefined, output };
  if (r.timedOut) return { ok: false, reason: `timed out after ${Math.round(ctx.timeoutMs / 1000)} s`, notes: [], ...common };

  if (t.tool === 'octet') {
    if (r.code !== 0) return { ok: false, reason: reasonFrom(r.stderr), notes: [], ...common };
    const report = JSON.parse(readFileSync(`${base}.report.json`, 'utf8')) as QuantizeReport;
    const notes: string[] = [];
    if (report.speedCheck?.keptFloat.length) notes.push(`speed check kept ${report.speedCheck.keptFloat.length} leading op(s) fp32`);
    if (report.speedCheck?.activationMatMuls?.keptFloat)
      notes.push(`${report.speedCheck.activationMatMuls.nodes.length} MatMul(s) of two activations fp32 (measured faster)`);
    if (report.weightGranularity?.perTensor.length)
      notes.push(`per-tensor weights on ${report.weightGranularity.perTensor.length} MatMul/Gemm (measured faster)`);
    if (report.weightBits.reduceRange) notes.push('7-bit weights (measured more faithful)');
    return { ok: existsSync(output), reason: existsSync(output) ? undefined : 'no model written', seconds: report.seconds, notes, ...common };
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: { ok: boolean; reason?: string; seconds?: number; notes?: string[] } | undefined;
  try {
    parsed = JSON.parse(last);
  } catch {
    parsed = undefined;
  }
  if (!parsed) return { ok: false, reason: `exit ${r.code}: ${reasonFrom(r.stderr)}`, notes: [], ...common };
  if (!parsed.ok) return { ok: false, reason: parsed.reason, seconds: undefined, notes: [], ...common };
  return { ok: existsSync(output), reason: existsSync(output) ? undefined : 'no model written', seconds: parsed.seconds, notes: parsed.notes ?? [], ...common };
}
