// Metrics shared by the benchmarks (bench:engine, bench:peers, the zoo).
import type { InferenceSession } from 'onnxruntime-node';
import { openDataSource } from '../src/main/data';
import { loadModel } from '../src/main/onnx/model';
import { modelInputs } from '../src/main/data/modelInputs';
import { openSession, run } from '../src/main/runtime/session';

/**
 * Sentence-embedding cosine of one sample: `x` and `y` are one sample's last_hidden_state
 * ([..., tokens, hidden], fp32 and int8), each mean-pooled over the tokens whose attention mask
 * is 1 (all tokens without a mask), and the cosine of the two pooled vectors. The division by
 * the token count cancels in the cosine, so sums are pooled.
 */
export function pooledCosine(x: ArrayLike<number>, y: ArrayLike<number>, hidden: number, mask?: ArrayLike<number | bigint>): number {
  const steps = x.length / hidden;
  const [px, py] = [new Float64Array(hidden), new Float64Array(hidden)];
  for (let s = 0; s < steps; s++) {
    if (mask && Number(mask[s]) === 0) continue;
    for (let h = 0; h < hidden; h++) {
      px[h] += x[s * hidden + h];
      py[h] += y[s * hidden + h];
    }
  }
  let [xy, xx, yy] = [0, 0, 0];
  for (let h = 0; h < hidden; h++) {
    xy += px[h] * py[h];
    xx += px[h] * px[h];
    yy += py[h] * py[h];
  }
  return xx === 0 && yy === 0 ? 1 : xy / Math.sqrt(xx * yy);
}

export interface EmbeddingCosine {
  /** Mean and minimum over the evaluated sentences of pooledCosine. */
  mean: number;
  min: number;
  samples: number;
  /** The output that was pooled (the first, last_hidden_state for a BERT-style encoder). */
  output: string;
}

/**
 * fp32 against int8 sentence embeddings over the first `samples` samples of `data` (a .npz
 * with one array per input, attention_mask among them), 1 thread.
 */
export async function embeddingCosine(
  fp32: string,
  int8: string,
  data: string,
  opts: { samples?: number; output?: string; maskInput?: string } = {},
): Promise<EmbeddingCosine> {
  const specs = modelInputs((await loadModel(fp32)).model);
  const src = await openDataSource(data, specs, { split: 'evaluation' });
  const n = Math.min(opts.samples ?? src.count, src.count);
  const maskName = opts.maskInput ?? 'attention_mask';
  const sessions: InferenceSession[] = [await openSession(fp32, { threads: 1 }), await openSession(int8, { threads: 1 })];
  const [a, b] = sessions;
  const output = opts.output ?? a.outputNames[0];
  const cos: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const feeds = (await src.read(i)).feeds;
      const [x, y] = [(await run(a, feeds, [output]))[output], (await run(b, feeds, [output]))[output]];
      cos.push(
        pooledCosine(
          x.data as Float32Array,
          y.data as Float32Array,
          x.dims[x.dims.length - 1],
          feeds[maskName]?.data as ArrayLike<number | bigint> | undefined,
        ),
      );
    }
  } finally {
    for (const s of sessions) await s.release();
  }
  return { mean: cos.reduce((s, v) => s + v, 0) / cos.length, min: Math.min(...cos), samples: cos.length, output };
}
