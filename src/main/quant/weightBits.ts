import { fidelity } from '../../../native';
import { openSession, run } from '../runtime/session';
import type { Feed } from '../data/types';
import { concatFloats } from '../bench/metrics';

export interface WeightBitsChoice {
  reduceRange: boolean;
  sqnrDb: { full: number; reduced: number };
}

/**
 * Without VNNI, ONNX Runtime's u8s8 kernels sum pairs of products in 16 bits, which saturate on
 * real data with full-range int8 weights (measured: mnist-8 at 15.6 dB SQNR with 8-bit
 * per-channel weights, 38.2 dB with 7-bit). 7-bit weights cannot saturate but are coarser, so the
 * choice is measured: both int8 models against fp32 on a few calibration samples.
 */
export async function chooseWeightBits(fp32: Uint8Array, full: Uint8Array, reduced: Uint8Array, samples: Record<string, Feed>[]): Promise<WeightBitsChoice> {
  const [ref, a, b] = [await openSession(fp32, { threads: 1 }), await openSession(full, { threads: 1 }), await openSession(reduced, { threads: 1 })];
  try {
    const refs: Float32Array[] = [];
    const fulls: Float32Array[] = [];
    const reds: Float32Array[] = [];
    for (const feeds of samples) {
      const [r0, r1, r2] = [await run(ref, feeds), await run(a, feeds), await run(b, feeds)];
      for (const name of ref.outputNames) {
        refs.push(r0[name].data as Float32Array);
        fulls.push(r1[name].data as Float32Array);
        reds.push(r2[name].data as Float32Array);
      }
    }
    const sqnr = (test: Float32Array[]) => fidelity(concatFloats(refs), concatFloats(test)).sqnrDb;
    const sqnrDb = { full: sqnr(fulls), reduced: sqnr(reds) };
    return { reduceRange: sqnrDb.reduced > sqnrDb.full, sqnrDb };
  } finally {
    await Promise.all([ref.release(), a.release(), b.release()]);
  }
}
