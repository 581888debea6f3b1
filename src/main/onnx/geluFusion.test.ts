import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelBuilder, randn, rng } from './builder';
import { encodeModel, opsetOf } from './model';
import { fuseGelu } from './geluFusion';
import { openSession, run } from '../runtime/session';
import { fidelity } from '../../../native';

const N = 64;
type Order = 'x-then-half' | 'half-first' | 'sum-times-half';

/** GELU in the orders exporters write, between two Relus (so x has another reader). */
function gelu(order: Order, opset = 13, extraReader = false) {
  const b = new ModelBuilder('gelu', opset);
  const x = b.op('Relu', [b.input('in', [1, N])]);
  const c = (name: string, v: number) => b.init(name, Float32Array.of(v), []);
  const sum = b.op('Add', [b.op('Erf', [b.op('Div', [x, c('sqrt2', Math.SQRT2)])], {}, 'erf'), c('one', 1)], {}, 'sum');
  const y =
    order === 'x-then-half'
      ? b.op('Mul', [b.op('Mul', [x, sum]), c('half', 0.5)])
      : order === 'half-first'
        ? b.op('Mul', [b.op('Mul', [x, c('half', 0.5)]), sum])
        : b.op('Mul', [x, b.op('Mul', [sum, c('half', 0.5)])]);
  b.output(b.op('Relu', [y], {}, 'out'), [1, N]);
  if (extraReader) b.output(b.op('Neg', ['erf'], {}, 'erf_neg'), [1, N]);
  return b.build();
}

for (const order of ['x-then-half', 'half-first', 'sum-times-half'] as const) {
  test(`GELU as ${order}: one Gelu node, same outputs`, async () => {
    const before = gelu(order);
    const after = gelu(order);
    assert.equal(fuseGelu(after).length, 1);
    assert.deepEqual(
      after.graph!.node.map((n) => `${n.domain || ''}${n.domain ? '.' : ''}${n.opType}`),
      ['Relu', 'com.microsoft.Gelu', 'Relu'],
    );
    const feeds = { in: { type: 'float32' as const, data: randn(N, 2, rng(1)), dims: [1, N] } };
    const [a, b] = [await openSession(encodeModel(before), { threads: 1 }), await openSession(encodeModel(after), { threads: 1 })];
    const [ya, yb] = [(await run(a, feeds)).out.data as Float32Array, (await run(b, feeds)).out.data as Float32Array];
    await Promise.all([a.release(), b.release()]);
    assert.ok(fidelity(ya, yb).sqnrDb > 100, `${fidelity(ya, yb).sqnrDb} dB`);
  });
}

test('GELU: ONNX Gelu from opset 20; nothing fused when an intermediate has another reader', () => {
  const m = gelu('x-then-half', 20);
  assert.equal(fuseGelu(m).length, 1);
  assert.equal(opsetOf(m), 20);
  assert.ok(m.graph!.node.some((n) => n.opType === 'Gelu' && !n.domain));
  assert.ok(!m.opsetImport.some((o) => o.domain === 'com.microsoft'));
  const shared = gelu('x-then-half', 13, true);
  assert.deepEqual(fuseGelu(shared), []);
  assert.equal(shared.graph!.node.length, 8);
});
