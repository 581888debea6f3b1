import type { BenchResult } from '../../shared/bench';
import { formatBytes, formatDb as db, formatMsFixed as ms, formatPercent as pct, speedVerdict as verdict } from '../../shared/format';

const yn = (b: boolean) => (b ? 'yes' : 'no');

function table(rows: string[][], rightAlign: number[] = []): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      `  ${r
        .map((c, i) => (rightAlign.includes(i) ? (c ?? '').padStart(w[i]) : (c ?? '').padEnd(w[i])))
        .join('  ')
        .trimEnd()}`,
  );
}

export interface FormatBenchOptions {
  /** Per-layer rows to print (default 10). */
  layers?: number;
}

export function formatBench(r: BenchResult, opts: FormatBenchOptions = {}): string {
  const lines: string[] = [];
  if (r.models) lines.push(`fp32 ${r.models.fp32}`, `int8 ${r.models.int8}`, `data ${r.data}`, '');
  const l = r.latency;
  const rows: string[][] = [['', 'fp32', 'int8', 'int8 / fp32']];
  const spread = Number.isFinite(l.ratioP10) ? `; p10–p90 ${l.ratioP10.toFixed(2)}–${l.ratioP90.toFixed(2)}` : '';
  rows.push([
    'latency p50',
    ms(l.fp32.p50),
    ms(l.int8.p50),
    `${l.ratioMedian.toFixed(2)}x (median of ${l.rounds} interleaved A/B rounds${spread}): ${verdict(l.ratioMedian)}`,
  ]);
  rows.push(['latency p90', ms(l.fp32.p90), ms(l.int8.p90), '']);
  rows.push(['latency p99', ms(l.fp32.p99), ms(l.int8.p99), '']);
  rows.push(['size', formatBytes(r.size.fp32), formatBytes(r.size.int8), `${(r.size.int8 / r.size.fp32).toFixed(2)}x`]);
  const m = r.memory;
  if (m?.fp32 && m.int8) {
    rows.push([
      'session memory',
      formatBytes(m.fp32.sessionBytes),
      formatBytes(m.int8.sessionBytes),
      m.fp32.sessionBytes > 0 ? `${(m.int8.sessionBytes / m.fp32.sessionBytes).toFixed(2)}x` : '',
    ]);
    rows.push([
      'peak memory',
      formatBytes(m.fp32.peakBytes),
      formatBytes(m.int8.peakBytes),
      m.fp32.peakBytes > 0 ? `${(m.int8.peakBytes / m.fp32.peakBytes).toFixed(2)}x (RSS growth, own process each)` : '',
    ]);
  }
  if (r.accuracy) {
    const a = r.accuracy;
    const src = a.labelSource ? `, labels from ${a.labelSource}` : '';
    rows.push([`top-1 (${a.samples})`, pct(a.fp32), pct(a.int8), `${(a.delta * 100).toFixed(2)} points${src}`]);
    if (a.top5) rows.push([`top-5 (${a.samples})`, pct(a.top5.fp32), pct(a.top5.int8), `${(a.top5.delta * 100).toFixed(2)} points`]);
  }
  lines.push(...table(rows, [1, 2]));

  const f = r.fidelity;
  lines.push(
    `  fidelity: cosine ${f.cosine.toFixed(5)}, SQNR ${db(f.sqnrDb)}, max |err| ${f.maxAbs.toPrecision(3)}, top-1 agreement ${pct(f.top1Agreement)} over ${r.samples} samples`,
  );
  if (f.perOutput.length > 1) {
    lines.push('  per output:');
    const out: string[][] = [['output', 'cosine', 'SQNR', 'max |err|', 'top-1 agree']];
    for (const o of f.perOutput)
      out.push([o.output, o.cosine.toFixed(5), db(o.sqnrDb), o.maxAbs.toPrecision(3), o.top1Agreement === undefined ? '' : pct(o.top1Agreement)]);
    lines.push(...table(out, [1, 2, 3, 4]).map((x) => `  ${x}`));
  }
  if (f.worstSamples.length) {
    const shown = f.worstSamples.slice(0, 5).map((w) => {
      const cls = w.fp32Top1 !== undefined ? ` top-1 ${w.fp32Top1}→${w.int8Top1}${w.label !== undefined ? `, label ${w.label}` : ''}` : '';
      return `#${w.index} cos ${w.cosine.toFixed(5)}${cls}`;
    });
    lines.push(`  worst samples: ${shown.join('; ')}`);
  }

  const t = r.throughput;
  if (t && (t.points.length || t.unsupported.length)) {
    const batchNote = t.batchDim === 'symbolic' ? 'symbolic batch dim' : `fixed batch ${t.batchDim}`;
    lines.push('', `  throughput (${batchNote}; samples/s at the median run; speed-up = median over A/B rounds):`);
    const tr: string[][] = [['batch', 'threads', 'fp32', 'int8', 'speedup', '']];
    for (const p of t.points)
      tr.push([
        String(p.batch),
        String(p.threads),
        p.fp32.samplesPerSec.toFixed(1),
        p.int8.samplesPerSec.toFixed(1),
        `${p.speedup.toFixed(2)}x`,
        verdict(p.ratioMedian),
      ]);
    if (t.points.length) lines.push(...table(tr, [0, 1, 2, 3, 4]).map((x) => `  ${x}`));
    for (const u of t.unsupported) lines.push(`    batch ${u.batch}: not measured (${u.reason})`);
  }

  const pl = r.perLayer;
  if (pl) {
    const k = opts.layers ?? 10;
    if (pl.error) lines.push('', `  per-layer error: not measured (${pl.error})`);
    else if (pl.layers.length === 0) lines.push('', '  per-layer error: no quantized tensor of the int8 model matches an fp32 tensor');
    else {
      lines.push(
        '',
        `  per-layer SQNR, worst first (${pl.layers.length} quantized tensors, ${pl.samples} samples${pl.layers.length > k ? `; ${k} shown, all in --json/--html` : ''}):`,
      );
      const lr: string[][] = [['SQNR', 'drop', 'cosine', 'tensor', 'op']];
      for (const x of pl.layers.slice(0, k))
        lr.push([
          db(x.sqnrDb),
          x.dropDb === undefined ? '' : `${x.dropDb >= 0 ? '+' : ''}${x.dropDb.toFixed(1)}`,
          x.cosine.toFixed(5),
          x.tensor,
          x.node ? `${x.op} ${x.node}` : x.op,
        ]);
      lines.push(...table(lr, [0, 1, 2]).map((x) => `  ${x}`));
    }
  }

  lines.push(
    '',
    `  cpu: ${r.cpu.model}, ${r.cpu.cores} cores, ${l.threads} thread(s) for latency; AVX2 ${yn(r.cpu.avx2)}, AVX-512 ${yn(r.cpu.avx512)}, VNNI ${yn(r.cpu.vnni)}${r.cpu.ort ? `; ONNX Runtime ${r.cpu.ort}` : ''}${r.cpu.loadAverage ? `; load average ${r.cpu.loadAverage.start}→${r.cpu.loadAverage.end}` : ''}`,
  );
  if (!r.cpu.vnni) lines.push('  note: this CPU has no VNNI, so int8 speed-ups are smaller than on VNNI CPUs and small models can run slower in int8');
  for (const n of r.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}
