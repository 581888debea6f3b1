import type { ModelSummary } from '../../shared/model';
import { lowestOutput, weightGranularityText, type QuantizeReport } from '../../shared/report';
import { formatBytes } from '../../shared/format';
const dims = (d: (number | string | null)[] | null) => (d ? `[${d.map((x) => x ?? '?').join(', ')}]` : '(unknown shape)');

export function formatSummary(s: ModelSummary): string {
  const lines = [
    `${s.path}`,
    `  size        ${formatBytes(s.sizeBytes)}, ${s.parameters.toLocaleString('en-US')} parameters, ${s.nodes} nodes${s.subgraphNodes ? ` (${s.subgraphNodes} inside If/Loop/Scan bodies)` : ''}`,
    `  opset       ${s.opset} (IR ${s.irVersion})${
      Object.keys(s.opsets).length > 1
        ? `; also ${Object.entries(s.opsets)
            .filter(([d]) => d !== 'ai.onnx')
            .map(([d, v]) => `${d} ${v}`)
            .join(', ')}`
        : ''
    }`,
    `  producer    ${s.producer || 'unknown'}`,
    `  quantized   ${s.quantized ? 'yes' : 'no'}`,
    '  inputs',
    ...s.inputs.map((t) => `    ${t.name}: ${t.type} ${dims(t.dims)}`),
    '  outputs',
    ...s.outputs.map((t) => `    ${t.name}: ${t.type} ${dims(t.dims)}`),
    '  ops',
    ...Object.entries(s.opHistogram).map(([op, n]) => `    ${String(n).padStart(5)}  ${op}`),
  ];
  return lines.join('\n');
}

export function formatQuantizeReport(r: QuantizeReport): string {
  const f = r.fusion;
  const lines = [
    `wrote ${r.output.path} (${formatBytes(r.output.sizeBytes)}, was ${formatBytes(r.input.sizeBytes)}; ${r.output.format}, opset ${r.output.opset})`,
    `  calibration  ${r.calibration.samples} samples, ${r.calibration.algo}${r.calibration.choice ? ' (measured, auto)' : ''}, ${r.calibration.tensors} tensors, ${r.calibration.seconds.toFixed(1)} s`,
    `  fed shapes   ${Object.entries(r.preparation.shapes)
      .map(([k, d]) => `${k} [${d.join(',')}]`)
      .join(', ')}`,
    ...(r.calibration.notes ?? []).map((n) => `  data         ${n}`),
    `  int8 compute ${f.int8Ops} of ${f.int8Ops + f.fp32ComputeOps} compute ops (${
      Object.entries(f.int8OpsByType)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'none'
    })`,
  ];
  if (r.outputFidelity) {
    const f = r.outputFidelity;
    const worst = f.outputs.length > 1 ? lowestOutput(f.outputs) : undefined;
    const top = f.outputs
      .filter((o) => o.argmaxAgreement !== undefined)
      .map((o) => `, top class of ${o.name} as fp32's on ${(o.argmaxAgreement! * 100).toFixed(1)}%`)
      .join('');
    lines.push(
      `  fidelity     output cosine ${f.cosine.toFixed(4)}, SQNR ${f.sqnrDb.toFixed(1)} dB against fp32 on ${f.samples} calibration samples${worst ? ` (lowest: ${worst.name} ${worst.cosine.toFixed(4)})` : ''}${top}`,
    );
  }
  lines.push(`  weights      ${r.weightBits.reduceRange ? '7' : '8'}-bit, ${weightGranularityText(r)}`);
  if (r.compute)
    lines.push(
      `  compute      ${(r.compute.macsPerSample / 1e6).toFixed(1)} M multiply-accumulates per sample${r.compute.computeBound ? ' (compute-bound)' : ''}${r.compute.note ? ': int8 measured no faster, see the warning' : ''}`,
    );
  if (r.preparation.opsetUpgradedFrom !== undefined) lines.push(`  opset        upgraded from ${r.preparation.opsetUpgradedFrom} to ${r.output.opset}`);
  if (r.preparation.foldedBatchNorms) lines.push(`  batchnorm    ${r.preparation.foldedBatchNorms} folded into Conv`);
  if (f.details.length) {
    lines.push('  fp32 compute ops:');
    for (const d of f.details.slice(0, 20)) lines.push(`    ${d.opType} ${d.node}: ${d.reason}`);
    if (f.details.length > 20) lines.push(`    … and ${f.details.length - 20} more (see --report)`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
