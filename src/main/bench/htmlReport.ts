// The benchmark as one self-contained HTML page: tables, inline-SVG charts and the full JSON
// result embedded, with no scripts and no external assets (it opens offline, years later).
import type { BenchResult } from '../../shared/bench';
import { writeFileAtomic } from '../io/atomicWrite';
import { COLORS, fmt, groupedBarChart, histogramChart, horizontalBarChart, lineChart } from './svg';
import { esc, htmlList, htmlTable as table } from '../../shared/html';
import { byteUnit, formatBytes as bytes, formatDb as db, formatMsFixed as ms, formatPercent as pct, speedVerdict as verdict } from '../../shared/format';

const sqnrColor = (v: number): string => (v < 20 ? COLORS.bad : v < 30 ? COLORS.warn : COLORS.good);

/** The --json text: ±Infinity (identical outputs give SQNR +∞) becomes null, as JSON.stringify does. */
export function benchJson(r: BenchResult): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** JSON that survives inside <script type="application/json">. */
function embeddedJson(r: BenchResult): string {
  return JSON.stringify(r).replace(/</g, '\\u003c');
}

/** The page's only style sheet (the CSP allows inline styles, nothing else). */
const CSS = `body{font:14px/1.45 system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:20px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 12px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-variant-numeric:tabular-nums}
th{background:#f4f4f4}.meta{color:#555;font-size:13px}svg{display:block;margin:8px 0;max-width:100%;height:auto}`;

/** The whole report: every section, then the result as JSON for tools. */
export function benchHtml(r: BenchResult, opts: { title?: string } = {}): string {
  const title = opts.title ?? `Octet benchmark: fp32 vs int8${r.models ? ` — ${r.models.fp32.split(/[\\/]/).pop()}` : ''}`;
  const s = [summarySection, latencySection, throughputSection, sizeSection, accuracySection, perLayerSection, machineSection].flatMap((section) => section(r));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><h1>${esc(title)}</h1>
${s.join('\n')}
<script type="application/json" id="octet-bench-result">${embeddedJson(r)}</script>
</body></html>
`;
}

/** The summary table: latency, size, memory, accuracy and fidelity side by side. */
function summarySection(r: BenchResult): string[] {
  const s: string[] = [];
  const l = r.latency;
  const sum: (string | number)[][] = [
    ['Latency p50 (batch 1)', ms(l.fp32.p50), ms(l.int8.p50), `${l.ratioMedian.toFixed(3)}x — ${verdict(l.ratioMedian)}`],
    ['Latency p90', ms(l.fp32.p90), ms(l.int8.p90), ''],
    ['Latency p99', ms(l.fp32.p99), ms(l.int8.p99), ''],
    ['Size on disk', bytes(r.size.fp32), bytes(r.size.int8), `${(r.size.int8 / r.size.fp32).toFixed(3)}x`],
  ];
  if (r.memory?.fp32 && r.memory.int8) {
    sum.push(['Session memory', bytes(r.memory.fp32.sessionBytes), bytes(r.memory.int8.sessionBytes), '']);
    sum.push(['Peak memory', bytes(r.memory.fp32.peakBytes), bytes(r.memory.int8.peakBytes), '']);
  }
  if (r.accuracy) {
    sum.push([`Top-1 accuracy (${r.accuracy.samples} labelled)`, pct(r.accuracy.fp32), pct(r.accuracy.int8), `${(r.accuracy.delta * 100).toFixed(2)} points`]);
    if (r.accuracy.top5)
      sum.push(['Top-5 accuracy', pct(r.accuracy.top5.fp32), pct(r.accuracy.top5.int8), `${(r.accuracy.top5.delta * 100).toFixed(2)} points`]);
  }
  const f = r.fidelity;
  sum.push([
    'Output fidelity',
    '',
    '',
    `cosine ${f.cosine.toFixed(5)}, SQNR ${db(f.sqnrDb)}, max |err| ${fmt(f.maxAbs)}, top-1 agreement ${pct(f.top1Agreement)}`,
  ]);
  s.push(`<h2>Summary</h2>${table(['', 'fp32', 'int8', 'int8 vs fp32'], sum, 'summary')}`);
  s.push(
    `<p class="meta">int8/fp32 latency is the median over ${l.rounds} block-interleaved A/B rounds of the ratio of the two blocks' ${l.blockStat === 'min' ? 'fastest runs' : 'median runs'} (${l.block ?? 5} runs per model per round, first dropped, order flipped every round; ${l.warmup ?? 5} warm-up runs each); p10–p90 of the round ratios ${l.ratioP10.toFixed(3)}–${l.ratioP90.toFixed(3)}, ${l.threads} intra-op thread(s). ` +
      `Data: ${esc(r.data)}; ${r.samples} samples evaluated.</p>`,
  );
  return s;
}

/** Latency: the distribution of runs, the per-round ratios and the percentiles. */
function latencySection(r: BenchResult): string[] {
  const s: string[] = [];
  const l = r.latency;
  s.push('<h2>Latency</h2>');
  if (l.timesMs && l.timesMs.fp32.length) {
    s.push(
      histogramChart(
        'Latency distribution, batch 1 (share of runs)',
        [
          { label: 'fp32', color: COLORS.fp32, values: l.timesMs.fp32 },
          { label: 'int8', color: COLORS.int8, values: l.timesMs.int8 },
        ],
        {
          unit: 'ms per run',
          markers: [
            { value: l.fp32.p50, color: COLORS.fp32, label: `fp32 p50 ${ms(l.fp32.p50)}` },
            { value: l.int8.p50, color: COLORS.int8, label: `int8 p50 ${ms(l.int8.p50)}` },
          ],
        },
      ),
    );
  }
  if (l.roundRatios && l.roundRatios.length > 1)
    s.push(lineChart('int8/fp32 per A/B round (below the line: int8 faster)', l.roundRatios, { reference: 1, referenceLabel: 'same speed', unit: 'round' }));
  s.push(
    table(
      ['', 'p50', 'p90', 'p99', 'mean'],
      [
        ['fp32', ms(l.fp32.p50), ms(l.fp32.p90), ms(l.fp32.p99), ms(l.fp32.mean)],
        ['int8', ms(l.int8.p50), ms(l.int8.p90), ms(l.int8.p99), ms(l.int8.mean)],
      ],
    ),
  );
  return s;
}

/** Throughput by batch size and thread count. */
function throughputSection(r: BenchResult): string[] {
  const s: string[] = [];
  const t = r.throughput;
  if (t) {
    s.push(
      `<h2>Throughput</h2><p class="meta">${t.batchDim === 'symbolic' ? 'Both models take a symbolic batch dim.' : `<b>Fixed batch ${t.batchDim}</b>: the models only take batch ${t.batchDim}.`}</p>`,
    );
    if (t.points.length) {
      const batches = [...new Set(t.points.map((p) => p.batch))].sort((a, b) => a - b);
      const threads = [...new Set(t.points.map((p) => p.threads))].sort((a, b) => a - b);
      const palette = ['#72b7b2', '#b279a2', '#9d755d', '#bab0ac', '#ff9da6'];
      s.push(
        groupedBarChart(
          'Speed-up of int8 over fp32 by batch size and threads (fp32 time / int8 time)',
          batches.map((b) => `batch ${b}`),
          threads.map((th, i) => ({
            label: `${th} thread${th === 1 ? '' : 's'}`,
            color: palette[i % palette.length],
            values: batches.map((b) => t.points.find((p) => p.batch === b && p.threads === th)?.speedup ?? NaN),
          })),
          { unit: 'speed-up (x)', reference: { value: 1, label: 'same speed' } },
        ),
      );
      s.push(
        table(
          ['batch', 'threads', 'fp32 samples/s', 'int8 samples/s', 'fp32 ms/batch', 'int8 ms/batch', 'speed-up', 'rounds'],
          t.points.map((p) => [
            p.batch,
            p.threads,
            p.fp32.samplesPerSec.toFixed(1),
            p.int8.samplesPerSec.toFixed(1),
            p.fp32.p50Ms.toFixed(3),
            p.int8.p50Ms.toFixed(3),
            `${p.speedup.toFixed(3)}x`,
            p.rounds,
          ]),
        ),
      );
    }
    if (t.unsupported.length) s.push(`<ul>${t.unsupported.map((u) => `<li>batch ${u.batch}: not measured — ${esc(u.reason)}</li>`).join('')}</ul>`);
  }
  return s;
}

/** Size on disk and memory. */
function sizeSection(r: BenchResult): string[] {
  const s: string[] = [];
  s.push('<h2>Size and memory</h2>');
  const cats = ['size on disk'];
  const fpv = [r.size.fp32];
  const qv = [r.size.int8];
  if (r.memory?.fp32 && r.memory.int8) {
    cats.push('session memory', 'peak memory');
    fpv.push(r.memory.fp32.sessionBytes, r.memory.fp32.peakBytes);
    qv.push(r.memory.int8.sessionBytes, r.memory.int8.peakBytes);
  }
  const { unit, bytes: div } = byteUnit(Math.max(...fpv, ...qv));
  s.push(
    groupedBarChart(
      `Size and memory (${unit})`,
      cats,
      [
        { label: 'fp32', color: COLORS.fp32, values: fpv.map((v) => v / div) },
        { label: 'int8', color: COLORS.int8, values: qv.map((v) => v / div) },
      ],
      { unit },
    ),
  );
  const memRows: (string | number)[][] = [['size on disk', bytes(r.size.fp32), bytes(r.size.int8)]];
  if (r.memory?.fp32 && r.memory.int8) {
    memRows.push(['session memory', bytes(r.memory.fp32.sessionBytes), bytes(r.memory.int8.sessionBytes)]);
    memRows.push(['peak memory', bytes(r.memory.fp32.peakBytes), bytes(r.memory.int8.peakBytes)]);
    memRows.push(['probe process peak RSS', bytes(r.memory.fp32.processPeakBytes), bytes(r.memory.int8.processPeakBytes)]);
    memRows.push(['session creation', `${r.memory.fp32.createMs} ms`, `${r.memory.int8.createMs} ms`]);
  }
  s.push(table(['', 'fp32', 'int8'], memRows));
  if (r.memory)
    s.push(
      `<p class="meta">Memory: ${esc(r.memory.method)}; batch ${r.memory.batch}, ${r.memory.threads} thread(s), ${r.memory.runs} runs.${r.memory.error ? ` Not measured: ${esc(r.memory.error)}` : ''}</p>`,
    );
  return s;
}

/** Accuracy (with labels) and per-output fidelity, worst samples. */
function accuracySection(r: BenchResult): string[] {
  const s: string[] = [];
  const f = r.fidelity;
  s.push('<h2>Accuracy and fidelity</h2>');
  if (r.accuracy) {
    const a = r.accuracy;
    const cats2 = ['top-1'];
    const fa = [a.fp32 * 100];
    const qa = [a.int8 * 100];
    if (a.top5) {
      cats2.push('top-5');
      fa.push(a.top5.fp32 * 100);
      qa.push(a.top5.int8 * 100);
    }
    const lowest = Math.min(...fa, ...qa);
    s.push(
      groupedBarChart(
        `Accuracy on ${a.samples} labelled samples (%; axis from ${Math.floor(Math.max(0, lowest - 5))}%)`,
        cats2,
        [
          { label: 'fp32', color: COLORS.fp32, values: fa },
          { label: 'int8', color: COLORS.int8, values: qa },
        ],
        { unit: '%', yMin: Math.floor(Math.max(0, lowest - 5)) },
      ),
    );
    const deltas = [{ label: 'top-1 Δ', value: a.delta * 100 }];
    if (a.top5) deltas.push({ label: 'top-5 Δ', value: a.top5.delta * 100 });
    deltas.push({ label: 'top-1 disagreement', value: -(1 - f.top1Agreement) * 100 });
    s.push(
      groupedBarChart(
        'int8 minus fp32 (points)',
        deltas.map((d) => d.label),
        [{ label: 'Δ', color: COLORS.int8, values: deltas.map((d) => d.value) }],
        { unit: 'points', reference: { value: 0, label: 'no change' } },
      ),
    );
    s.push(
      `<p class="meta">Labels: ${esc(a.labelSource ?? 'data')}${a.classes ? `; ${a.classes.length} classes (${esc(a.classes.slice(0, 10).join(', '))}${a.classes.length > 10 ? ', …' : ''})` : ''}.</p>`,
    );
  } else {
    s.push('<p class="meta">No labels: fidelity only (pass a folder with one subfolder per class, a labels CSV, or the built-in digits for accuracy).</p>');
  }
  s.push(
    horizontalBarChart(
      'SQNR per output (dB, higher is better)',
      f.perOutput.map((o) => ({ label: o.output, value: o.sqnrDb, note: `cosine ${o.cosine.toFixed(5)}` })),
      { unit: 'dB', color: sqnrColor },
    ),
  );
  s.push(
    table(
      ['output', 'cosine', 'SQNR', 'max |err|', 'MSE', 'top-1 agreement'],
      f.perOutput.map((o) => [
        o.output,
        o.cosine.toFixed(6),
        db(o.sqnrDb),
        fmt(o.maxAbs),
        fmt(o.mse),
        o.top1Agreement === undefined ? '' : pct(o.top1Agreement),
      ]),
    ),
  );
  if (f.worstSamples.length) {
    s.push('<h3>Worst samples (lowest output cosine)</h3>');
    s.push(
      table(
        ['sample', 'cosine', 'label', 'fp32 top-1', 'int8 top-1'],
        f.worstSamples.map((w) => [w.index, w.cosine.toFixed(6), w.label ?? '', w.fp32Top1 ?? '', w.int8Top1 ?? '']),
      ),
    );
  }
  return s;
}

/** Per-layer SQNR, worst first. */
function perLayerSection(r: BenchResult): string[] {
  const s: string[] = [];
  const pl = r.perLayer;
  if (pl) {
    s.push('<h2>Per-layer error</h2>');
    if (pl.error) s.push(`<p>Not measured: ${esc(pl.error)}</p>`);
    else if (pl.layers.length === 0) s.push('<p>No quantized tensor of the int8 model matches an fp32 tensor.</p>');
    else {
      const shown = pl.layers.slice(0, 60);
      s.push(
        horizontalBarChart(
          `SQNR per quantized tensor, worst first (${pl.layers.length} tensors${pl.layers.length > shown.length ? `, ${shown.length} shown` : ''}; ${pl.samples} samples)`,
          shown.map((x) => ({ label: `${x.tensor} · ${x.op}`, value: x.sqnrDb, note: `${x.op} ${x.node}` })),
          { unit: 'dB', color: sqnrColor },
        ),
      );
      s.push(
        table(
          ['rank', 'tensor', 'op', 'node', 'SQNR', 'drop', 'cosine', 'max |err|'],
          pl.layers.map((x, i) => [
            i + 1,
            x.tensor,
            x.op,
            x.node,
            db(x.sqnrDb),
            x.dropDb === undefined ? '' : `${x.dropDb.toFixed(2)} dB`,
            x.cosine.toFixed(6),
            fmt(x.maxAbs),
          ]),
        ),
      );
    }
    s.push(
      `<p class="meta">Bars: red below 20 dB, amber below 30 dB, green from 30 dB. ${esc(pl.method)}. ${pl.skipped} quantized tensor(s) had no fp32 counterpart.</p>`,
    );
  }
  return s;
}

/** The machine and the notes. */
function machineSection(r: BenchResult): string[] {
  const s: string[] = [];
  const c = r.cpu;
  s.push(
    `<h2>Machine</h2>${table(
      ['', ''],
      [
        ['CPU', c.model],
        ['Cores', c.cores],
        [
          'AVX2 / AVX-512 / VNNI',
          `${c.avx2 ? 'yes' : 'no'} / ${c.avx512 ? 'yes' : 'no'} / ${c.vnni ? 'yes' : 'no'}${c.avx512vnni !== undefined ? ` (AVX512-VNNI ${c.avx512vnni ? 'yes' : 'no'}, AVX-VNNI ${c.avxvnni ? 'yes' : 'no'})` : ''}`,
        ],
        ['ONNX Runtime', c.ort ?? ''],
        ['Octet', r.octetVersion ?? ''],
        ['Finished', r.createdAt ?? ''],
        ...(r.models
          ? [
              ['fp32 model', r.models.fp32],
              ['int8 model', r.models.int8],
            ]
          : []),
      ],
    )}`,
  );
  if (r.notes?.length) s.push(`<h3>Notes</h3>${htmlList(r.notes)}`);
  return s;
}

/** Writes the report atomically (temp file, fsync, rename). */
export async function writeBenchHtml(path: string, r: BenchResult): Promise<void> {
  await writeFileAtomic(path, benchHtml(r));
}
