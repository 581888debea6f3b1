// `npm run bench:native`: throughput of the native kernels against the plain TypeScript
// reference implementations (native/test/reference.ts), measured interleaved in one run
// (native, reference, native, ...) so machine noise hits both alike. Prints a summary table
// with the targets. Keep total runtime under ~2 minutes.
import * as native from '../index';
import { RefHistogram, gaussian, refFidelity, refKlRange, refMinMax, refQuantizeWeights, rng, type HistView } from '../test/reference';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Row {
  name: string;
  size: string;
  nativeMs: number;
  nativeRate: string;
  refRate: string;
  speedup: number;
  target: string;
  pass: boolean | undefined;
}
const rows: Row[] = [];

function ms(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs native and reference alternately; returns the best time of each (ms). */
function interleave(nativeFn: () => void, refFn: (() => void) | undefined, nativeReps: number): { nat: number; ref: number } {
  let nat = Infinity;
  let ref = Infinity;
  nativeFn(); // warm-up (page faults, thread start)
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < nativeReps; k++) nat = Math.min(nat, ms(nativeFn));
    if (refFn) ref = Math.min(ref, ms(refFn));
  }
  return { nat, ref };
}

function fmtRate(elemsPerMs: number, unit = 'floats'): string {
  const perS = elemsPerMs * 1000;
  if (perS >= 1e9) return `${(perS / 1e9).toFixed(2)} G ${unit}/s`;
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(1)} M ${unit}/s`;
  return `${(perS / 1e3).toFixed(1)} K ${unit}/s`;
}

function fillFast(a: Float32Array, seed: number, scale = 1): void {
  // cheap deterministic pseudo-normal data (sum of uniforms) for the big buffers
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u1 = s / 4294967296;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u2 = s / 4294967296;
    a[i] = (u1 + u2 - 1) * 2.45 * scale;
  }
}

async function main(): Promise<void> {
  const t0All = Date.now();
  const feat = native.cpuFeatures();
  console.log(`octet native bench — kernel ${feat.kernel} (best ${feat.bestKernel}), threads ${feat.threads}, hardware threads ${feat.hardwareThreads}`);
  console.log(`cpu: avx2=${feat.avx2} fma=${feat.fma} avx512f=${feat.avx512f} avx512bw=${feat.avx512bw} avx512vnni=${feat.avx512vnni} avxvnni=${feat.avxvnni}`);
  console.log(`rounds: ${ROUNDS} (best-of), reference = native/test/reference.ts\n`);

  // ------------------------------------------------------------ histogram ----
  {
    const N = 16 << 20;
    const data = gaussian(N, 1);
    const refSlice = data.subarray(0, 2 << 20);
    const h = new native.Histogram(2048);
    h.update(data); // establishes the range: later batches are the steady state
    const ref = new RefHistogram(2048);
    ref.update(refSlice);
    const r = interleave(
      () => h.update(data),
      () => ref.update(refSlice),
      3,
    );
    const rate = N / r.nat;
    const refRate = refSlice.length / r.ref;
    rows.push({
      name: `histogram update (${feat.threads} thr)`,
      size: '16M f32, 2048 bins',
      nativeMs: r.nat,
      nativeRate: fmtRate(rate),
      refRate: fmtRate(refRate),
      speedup: rate / refRate,
      target: '>= 1 G floats/s',
      pass: rate >= 1e6,
    });

    // first batch of an observer / a widening batch needs a min/max pass first
    let first = Infinity;
    for (let k = 0; k < ROUNDS; k++) {
      const hf = new native.Histogram(2048);
      first = Math.min(
        first,
        ms(() => hf.update(data)),
      );
    }
    rows.push({
      name: 'histogram first batch (2 passes)',
      size: '16M f32, 2048 bins',
      nativeMs: first,
      nativeRate: fmtRate(N / first),
      refRate: '',
      speedup: NaN,
      target: 'info',
      pass: undefined,
    });

    native.setThreads(1);
    let one = Infinity;
    for (let k = 0; k < ROUNDS * 2; k++)
      one = Math.min(
        one,
        ms(() => h.update(data)),
      );
    native.setThreads(feat.threads);
    rows.push({
      name: 'histogram update (1 thr)',
      size: '16M f32, 2048 bins',
      nativeMs: one,
      nativeRate: fmtRate(N / one),
      refRate: '',
      speedup: NaN,
      target: 'info',
      pass: undefined,
    });

    let asyncBest = Infinity;
    for (let k = 0; k < ROUNDS; k++) {
      const t = process.hrtime.bigint();
      await h.updateAsync(data);
      asyncBest = Math.min(asyncBest, Number(process.hrtime.bigint() - t) / 1e6);
    }
    rows.push({
      name: 'histogram updateAsync',
      size: '16M f32, 2048 bins',
      nativeMs: asyncBest,
      nativeRate: fmtRate(N / asyncBest),
      refRate: '',
      speedup: NaN,
      target: 'info',
      pass: undefined,
    });
  }

  // ------------------------------------------------------------- KL range ----
  {
    const data = gaussian(4 << 20, 2).map((x) => x * x * x);
    const h = new native.Histogram(2048);
    h.update(data);
    const view: HistView = { counts: h.counts(), lo: h.lo, hi: h.hi, min: h.min, max: h.max, count: h.count };
    let same = true;
    const r = interleave(
      () => {
        native.klRange(h, { symmetric: true });
      },
      () => {
        const a = refKlRange(view, true);
        const b = native.klRange(h, { symmetric: true });
        same &&= a.hi === b.hi;
      },
      20,
    );
    rows.push({
      name: `KL range search${same ? '' : ' (MISMATCH vs ref!)'}`,
      size: '2048 bins, sym',
      nativeMs: r.nat,
      nativeRate: `${r.nat.toFixed(3)} ms`,
      refRate: `${r.ref.toFixed(1)} ms`,
      speedup: r.ref / r.nat,
      target: '< 5 ms',
      pass: r.nat < 5 && same,
    });
    const m = interleave(() => native.mseRange(h, { symmetric: true }), undefined, 20);
    rows.push({
      name: 'MSE range search',
      size: '2048 bins, sym',
      nativeMs: m.nat,
      nativeRate: `${m.nat.toFixed(3)} ms`,
      refRate: '',
      speedup: NaN,
      target: 'info',
      pass: undefined,
    });
  }

  // ------------------------------------------- per-channel weight quantization ----
  const big = new Float32Array(100_000_000);
  fillFast(big, 7, 0.05);
  {
    const refN = 10_000_000;
    const refData = big.subarray(0, refN);
    for (const [dims, axis, label] of [
      [[10_000, 10_000], 0, 'axis 0 (Conv/Gemm-T)'],
      [[10_000, 10_000], 1, 'axis 1 (MatMul [K,N])'],
    ] as Array<[number[], number, string]>) {
      const refDims = [refN / dims[1]!, dims[1]!];
      const r = interleave(
        () => native.quantizeWeights(big, dims, { dtype: 'int8', symmetric: true, axis }),
        () => refQuantizeWeights(refData, refDims, { dtype: 'int8', symmetric: true, axis }),
        2,
      );
      const rate = big.length / r.nat;
      const refRate = refN / r.ref;
      rows.push({
        name: `quantizeWeights per-channel ${label}`,
        size: '100M f32 → int8',
        nativeMs: r.nat,
        nativeRate: fmtRate(rate),
        refRate: fmtRate(refRate),
        speedup: rate / refRate,
        target: '< 1000 ms',
        pass: r.nat < 1000,
      });
    }
  }

  // ---------------------------------------------------------------- minMax ----
  {
    const a = big.subarray(0, 64 << 20);
    const refA = big.subarray(0, 8 << 20);
    const r = interleave(
      () => native.minMax(a),
      () => refMinMax(refA),
      3,
    );
    const rate = a.length / r.nat;
    const refRate = refA.length / r.ref;
    rows.push({
      name: 'minMax',
      size: '64M f32',
      nativeMs: r.nat,
      nativeRate: fmtRate(rate),
      refRate: fmtRate(refRate),
      speedup: rate / refRate,
      target: 'info',
      pass: undefined,
    });
  }

  // -------------------------------------------------------------- fidelity ----
  {
    const n = 32 << 20;
    const a = big.subarray(0, n);
    const b = new Float32Array(n);
    const rr = rng(3);
    for (let i = 0; i < n; i += 1024) {
      const noise = (rr() - 0.5) * 1e-3;
      const end = Math.min(n, i + 1024);
      for (let j = i; j < end; j++) b[j] = a[j]! + noise;
    }
    const refN = 4 << 20;
    const r = interleave(
      () => native.fidelity(a, b),
      () => refFidelity(a.subarray(0, refN), b.subarray(0, refN)),
      3,
    );
    const rate = n / r.nat;
    const refRate = refN / r.ref;
    rows.push({
      name: 'fidelity',
      size: '32M f32 pairs',
      nativeMs: r.nat,
      nativeRate: fmtRate(rate, 'pairs'),
      refRate: fmtRate(refRate, 'pairs'),
      speedup: rate / refRate,
      target: 'info',
      pass: undefined,
    });
  }

  // --------------------------------------------------------------- summary ----
  const head = ['kernel', 'size', 'native ms', 'native', 'TS reference', 'speedup', 'target', 'status'];
  const table = rows.map((r) => [
    r.name,
    r.size,
    r.nativeMs.toFixed(r.nativeMs < 10 ? 3 : 1),
    r.nativeRate,
    r.refRate,
    Number.isFinite(r.speedup) ? `${r.speedup.toFixed(1)}x` : '',
    r.target,
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
  const missed = rows.filter((r) => r.pass === false);
  console.log(
    `\n${missed.length === 0 ? 'all targets met' : `${missed.length} target(s) missed: ${missed.map((r) => r.name).join(', ')}`} — total ${((Date.now() - t0All) / 1000).toFixed(1)} s`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
