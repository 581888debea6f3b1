import type { BenchResult } from '../../shared/bench';
import { formatBytes } from './format';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const ms = (x: number) => `${x.toFixed(3)} ms`;

export function formatBench(r: BenchResult): string {
  const rows: [string, string, string, string][] = [['', 'fp32', 'int8', 'int8 / fp32']];
  rows.push(['latency p50', ms(r.latency.fp32.p50), ms(r.latency.int8.p50), `${r.latency.ratioMedian.toFixed(2)}x (median of ${r.latency.rounds} interleaved A/B rounds)`]);
  rows.push(['latency p90', ms(r.latency.fp32.p90), ms(r.latency.int8.p90), '']);
  rows.push(['latency p99', ms(r.latency.fp32.p99), ms(r.latency.int8.p99), '']);
  rows.push(['size', formatBytes(r.size.fp32), formatBytes(r.size.int8), `${(r.size.int8 / r.size.fp32).toFixed(2)}x`]);
  if (r.accuracy) rows.push([`top-1 (${r.accuracy.samples})`, pct(r.accuracy.fp32), pct(r.accuracy.int8), `${(r.accuracy.delta * 100).toFixed(2)} points`]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) => `  ${row[0].padEnd(w[0])}  ${row[1].padStart(w[1])}  ${row[2].padStart(w[2])}  ${row[3]}`);
  const f = r.fidelity;
  lines.push(`  fidelity: cosine ${f.cosine.toFixed(5)}, SQNR ${f.sqnrDb.toFixed(1)} dB, max |err| ${f.maxAbs.toPrecision(3)}, top-1 agreement ${pct(f.top1Agreement)} over ${r.samples} samples`);
  lines.push(`  cpu: ${r.cpu.model}, ${r.cpu.cores} cores, ${r.latency.threads} thread(s); AVX2 ${yn(r.cpu.avx2)}, AVX-512 ${yn(r.cpu.avx512)}, VNNI ${yn(r.cpu.vnni)}`);
  return lines.join('\n');
}

const yn = (b: boolean) => (b ? 'yes' : 'no');
