import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelBuilder, randn, rng } from '../onnx/builder';
import { encodeModel, loadModel } from '../onnx/model';
import { GraphView } from '../onnx/graph';
import { openSession, run } from '../runtime/session';
import { npyBytes, SHARED } from '../../../test/util/fixtures';
import { fidelity } from '../../../native';
import { planQuantization } from './plan';
import { applySmoothQuant, smoothGroups } from './smoothQuant';
import { quantizeModel } from './quantize';
import { openDataSource } from '../data';
import { modelInputs } from '../data/modelInputs';
import { parseRecipe } from '../../shared/recipe';

const T = 16;
const K = 64;
/** Activations with two input channels 60x larger than the rest, as transformer LayerNorms give. */
function outlierData(samples: number, seed: number): Float32Array {
  const x = randn(samples * T * K, 1, rng(seed));
  for (let i = 0; i < x.length; i += K) {
    x[i + 3] *= 60;
    x[i + 40] *= 60;
  }
  return x;
}

function model() {
  const r = rng(4);
  const b = new ModelBuilder('outliers');
  const x = b.input('x', [1, T, K]);
  const ln = b.op(
    'LayerNormalization',
    [
      x,
      b.init(
        'gamma',
        Float32Array.from({ length: K }, (_, i) => (i === 3 || i === 40 ? 30 : 1)),
        [K],
      ),
      b.init('beta', new Float32Array(K), [K]),
    ],
    { axis: -1 },
  );
  const h = b.op('MatMul', [ln, b.init('w1', randn(K * K, 0.1, r), [K, K])]);
  b.output(b.op('MatMul', [b.op('Relu', [h]), b.init('w2', randn(K * K, 0.1, r), [K, K])], {}, 'y'), [1, T, K]);
  return b.build();
}

test('SmoothQuant leaves the fp32 function unchanged and groups readers of one input', async () => {
  const m = model();
  const plan = planQuantization(m.graph!, parseRecipe({}));
  const groups = smoothGroups(plan, new GraphView(m.graph!));
  // The second MatMul reads the int8 first one through a Relu: smoothing it would cost that fusion.
  assert.deepEqual(
    groups.map((g) => g.nodes.map((n) => n.name)),
    [['MatMul_4']],
  );
  const stats = new Map([
    [groups[0].input, { min: new Float32Array(K).fill(-80), max: Float32Array.from({ length: K }, (_, i) => (i === 3 || i === 40 ? 90 : 3)) }],
  ]);
  const s = applySmoothQuant(m, groups, stats, 0.5);
  assert.equal(s.keepFloat.size, 1);
  const feeds = { x: { type: 'float32' as const, data: outlierData(1, 9), dims: [1, T, K] } };
  const [a, b] = [await openSession(encodeModel(m), { threads: 1 }), await openSession(encodeModel(s.model), { threads: 1 })];
  const ya = (await run(a, feeds)).y.data as Float32Array;
  const yb = (await run(b, feeds)).y.data as Float32Array;
  await Promise.all([a.release(), b.release()]);
  assert.ok(fidelity(ya, yb).sqnrDb > 100, `smoothing changed the fp32 output: ${fidelity(ya, yb).sqnrDb} dB`);
});

test('smooth_quant auto: applied on channel outliers, measured, and off means off', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'octet-sq-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'm.onnx');
  writeFileSync(src, encodeModel(model()));
  writeFileSync(join(dir, 'x.npy'), npyBytes({ descr: '<f4', shape: [24, 1, T, K], data: outlierData(24, 1) }));
  const run = async (smooth_quant: boolean | 'auto') =>
    quantizeModel({
      model: src,
      output: join(dir, `${smooth_quant}.onnx`),
      data: join(dir, 'x.npy'),
      recipe: { speed_check: false, calib_samples: 16, smooth_quant },
    });
  const auto = await run('auto');
  assert.equal(auto.smoothQuant?.applied, true, JSON.stringify(auto.smoothQuant));
  const { off, byAlpha } = auto.smoothQuant!.sqnrDb!;
  assert.ok(byAlpha[String(auto.smoothQuant!.alpha)] >= off + 1, JSON.stringify(auto.smoothQuant));
  assert.equal(auto.fusion.fp32ComputeOps, 0);
  const none = await run(false);
  assert.equal(none.smoothQuant, undefined);
  assert.ok(!(await loadModel(join(dir, 'false.onnx'))).model.graph!.node.some((n) => n.name.endsWith('_SmoothQuant')));
});

const MINILM = join(SHARED, 'models', 'all-MiniLM-L6-v2.onnx');
const haveMiniLm = existsSync(MINILM) && existsSync(join(SHARED, 'data', 'minilm.eval.npz'));

test(
  'MiniLM static int8, default recipe: sentence-embedding cosine mean >= 0.995, min >= 0.99 on minilm.eval.npz',
  { skip: !haveMiniLm && 'shared MiniLM absent', timeout: 900_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'octet-minilm-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'minilm.int8.onnx');
    const report = await quantizeModel({ model: MINILM, output: out, data: join(SHARED, 'data', 'minilm.calib.npz') });
    assert.equal(report.smoothQuant?.applied, true, JSON.stringify(report.smoothQuant));
    assert.ok(report.fusion.int8Ops >= 36, `${report.fusion.int8Ops} int8 compute ops`);
    const loaded = await loadModel(MINILM);
    const evalSrc = await openDataSource(join(SHARED, 'data', 'minilm.eval.npz'), modelInputs(loaded.model), {});
    const [a, b] = [await openSession(readFileSync(MINILM), { threads: 1 }), await openSession(out, { threads: 1 })];
    const cos: number[] = [];
    for (let i = 0; i < evalSrc.count; i++) {
      const s = await evalSrc.read(i);
      const mask = s.feeds.attention_mask.data as BigInt64Array;
      const embed = async (session: typeof a) => meanPool((await run(session, s.feeds)).last_hidden_state.data as Float32Array, mask);
      cos.push(fidelity(await embed(a), await embed(b)).cosine);
    }
    await Promise.all([a.release(), b.release()]);
    const mean = cos.reduce((x, y) => x + y, 0) / cos.length;
    assert.ok(mean >= 0.995 && Math.min(...cos) >= 0.99, `embedding cosine mean ${mean}, min ${Math.min(...cos)}`);
  },
);

/** Sentence embedding: mean of the token vectors whose attention mask is 1. */
function meanPool(h: Float32Array, mask: BigInt64Array): Float32Array {
  const hidden = h.length / mask.length;
  const e = new Float32Array(hidden);
  let n = 0;
  mask.forEach((m, t) => {
    if (!m) return;
    n++;
    for (let k = 0; k < hidden; k++) e[k] += h[t * hidden + k];
  });
  return e.map((v) => v / n);
}
