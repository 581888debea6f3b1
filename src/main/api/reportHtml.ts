// A self-contained HTML page of a quantization report (and the benchmark, when there is one):
// what a person attaches to a ticket or opens next year without Octet.
import { weightGranularityText, type QuantizeReport } from '../../shared/report';
import type { BenchResult } from '../../shared/bench';
import { esc, htmlList, htmlTable as table } from '../../shared/html';
import { formatBytes as mb, formatMsFixed as ms, formatPercent as pct } from '../../shared/format';

export function reportHtml(report: QuantizeReport, bench?: BenchResult): string {
  const f = report.fusion;
  const sections: string[] = [];
  sections.push(
    `<h2>Summary</h2>${table(
      ['', ''],
      [
        ['Input model', `${report.input.path} (${mb(report.input.sizeBytes)}, opset ${report.input.opset})`],
        ['Input SHA-256', report.input.sha256],
        ['int8 model', `${report.output.path} (${mb(report.output.sizeBytes)}, opset ${report.output.opset}, ${report.output.format})`],
        ['Compute ops in int8', `${f.int8Ops} of ${f.int8Ops + f.fp32ComputeOps}`],
        [
          'Weights',
          `${report.weightBits.reduceRange ? '7' : '8'}-bit ${report.recipe.w_dtype} (${report.weightBits.reason}); ${weightGranularityText(report)}`,
        ],
        [
          'Calibration',
          `${report.calibration.samples} samples, ${report.calibration.algo}, ${report.calibration.tensors} tensors, ${report.calibration.seconds} s (${report.calibration.data})`,
        ],
        ['Total time', `${report.seconds} s`],
        ['Created', `${report.createdAt} by Octet ${report.octetVersion}`],
      ],
    )}`,
  );
  sections.push(
    `<h2>What ONNX Runtime runs in int8</h2>${table(
      ['op type', 'int8', 'fp32'],
      [...new Set([...Object.keys(f.int8OpsByType), ...Object.keys(f.fp32OpsByType)])].map((t) => [t, f.int8OpsByType[t] ?? 0, f.fp32OpsByType[t] ?? 0]),
    )}<p>QuantizeLinear left: ${f.quantizeOps}, DequantizeLinear left: ${f.dequantizeOps}</p>`,
  );
  if (f.details.length)
    sections.push(
      `<h2>Compute ops left in fp32</h2>${table(
        ['node', 'op type', 'why'],
        f.details.map((d) => [d.node, d.opType, d.reason]),
      )}`,
    );
  if (bench) {
    const l = bench.latency;
    const rows: (string | number)[][] = [
      ['Latency p50', ms(l.fp32.p50), ms(l.int8.p50)],
      ['Latency p90', ms(l.fp32.p90), ms(l.int8.p90)],
      ['Latency p99', ms(l.fp32.p99), ms(l.int8.p99)],
      ['Size', mb(bench.size.fp32), mb(bench.size.int8)],
    ];
    if (bench.accuracy) rows.push(['Top-1 accuracy', pct(bench.accuracy.fp32), pct(bench.accuracy.int8)]);
    sections.push(
      `<h2>Benchmark</h2>${table(['', 'fp32', 'int8'], rows)}<p>int8/fp32 latency (median of ${l.rounds} interleaved rounds, ${l.threads} thread${l.threads === 1 ? '' : 's'}): ${l.ratioMedian.toFixed(3)}. ` +
        `Output cosine ${bench.fidelity.cosine.toFixed(5)}, SQNR ${bench.fidelity.sqnrDb.toFixed(1)} dB, top-1 agreement ${pct(bench.fidelity.top1Agreement)} on ${bench.samples} samples (${esc(bench.data)}).</p>` +
        `<p>CPU: ${esc(bench.cpu.model)}, ${bench.cpu.cores} cores, AVX2 ${bench.cpu.avx2 ? 'yes' : 'no'}, AVX-512 ${bench.cpu.avx512 ? 'yes' : 'no'}, VNNI ${bench.cpu.vnni ? 'yes' : 'no'}</p>`,
    );
  }
  const warnings = [...new Set(report.warnings)];
  if (warnings.length) sections.push(`<h2>Warnings</h2>${htmlList(warnings)}`);
  sections.push(`<h2>Recipe</h2><pre>${esc(JSON.stringify(report.recipe, null, 2))}</pre>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Octet report: ${esc(report.input.path.split(/[\\/]/).pop())}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2433}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #d5dae3;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f1f4f9}pre{background:#f6f8fb;padding:.75rem;overflow:auto}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.5rem}</style>
</head><body><h1>Octet quantization report</h1>
${sections.join('\n')}
</body></html>
`;
}
