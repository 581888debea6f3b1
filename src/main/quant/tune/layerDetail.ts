// One row of the Benchmark step's fix loop: a quantized tensor's calibration values as a
// histogram with the range the int8 model chose, the error quantizing that tensor alone adds
// (measured: the fp32 values against themselves through that Quantize/Dequantize), and the node
// whose `local` rule sets it.
import { loadModel, cloneModel, encodeModel, type ModelProto } from '../../onnx/model';
import { GraphView, makeValueInfo, nameNodes, type NodeProto } from '../../onnx/graph';
import { opFactsFor } from '../ops/registry';
import { isFusedActivation } from '../ops/activation';
import { DT, tensorValues } from '../../onnx/tensor';
import { basicOptimize } from '../../runtime/optimize';
import { openDataSource } from '../../data';
import { openSession, run } from '../../runtime/session';
import { embeddingLimits, modelInputs } from '../../data/modelInputs';
import { OctetError } from '../../../shared/errors';
import type { LayerDetail, LayerDetailParams } from '../../../shared/jobs';

const BINS = 60;
const isCompute = (n: NodeProto) => opFactsFor(n)?.kind === 'compute';

export async function layerDetail(p: LayerDetailParams): Promise<LayerDetail> {
  const [fp, q] = [await loadModel(p.fp32), await loadModel(p.int8)];
  let ref: ModelProto = fp.model;
  nameNodes(ref.graph!);
  if (!new GraphView(ref.graph!).producer.has(p.tensor) && !ref.graph!.input.some((i) => i.name === p.tensor)) {
    // Octet quantizes ORT's basic-level rewrite (MatMul+Add → Gemm): the tensor may exist only there.
    ref = await basicOptimize(ref);
    nameNodes(ref.graph!);
  }
  const g = new GraphView(ref.graph!);
  const producer = g.producer.get(p.tensor);
  if (!producer && !ref.graph!.input.some((i) => i.name === p.tensor)) throw new OctetError('BAD_USAGE', `Tensor '${p.tensor}' is not in ${p.fp32}`);

  // The node whose rule sets the tensor's range: a Relu/Clip absorbed after a compute op belongs to it.
  let owner = producer;
  if (producer && isFusedActivation(producer)) {
    const up = g.producer.get(producer.input[0]);
    if (up && isCompute(up) && (g.consumers.get(producer.input[0]) ?? []).length === 1) owner = up;
  }
  if (!owner) owner = (g.consumers.get(p.tensor) ?? []).find(isCompute);

  // The chosen range: the DequantizeLinear that gives the int8 model's tensor its fp32 name.
  const qg = new GraphView(q.model.graph!);
  const dq = q.model.graph!.node.find((n) => n.opType === 'DequantizeLinear' && n.output[0] === p.tensor);
  let range: LayerDetail['range'];
  if (dq) {
    const scaleT = qg.constantTensor(dq.input[1]);
    const zpT = dq.input[2] ? qg.constantTensor(dq.input[2]) : undefined;
    const scale = scaleT ? Number(tensorValues(scaleT)[0]) : undefined;
    const zp = zpT ? Number(tensorValues(zpT)[0]) : 0;
    const signed = zpT?.dataType === DT.INT8;
    if (scale !== undefined && scaleT && tensorValues(scaleT).length === 1) {
      const [qmin, qmax] = signed ? [-128, 127] : [0, 255];
      range = { lo: (qmin - zp) * scale, hi: (qmax - zp) * scale, scale, zeroPoint: zp, qmin, qmax };
    }
  }

  // The tensor's values on calibration samples.
  const m = cloneModel(ref);
  if (!m.graph!.output.some((o) => o.name === p.tensor)) m.graph!.output.push(makeValueInfo(p.tensor, DT.FLOAT, undefined));
  const source = await openDataSource(p.data, modelInputs(ref, p.shapes ?? {}), {
    preprocess: p.preprocess,
    split: 'calibration',
    limit: p.samples,
    idLimits: embeddingLimits(ref),
  });
  const session = await openSession(encodeModel(m), { threads: 1 });
  const parts: Float32Array[] = [];
  try {
    for (let i = 0; i < Math.min(source.count, p.samples); i++) {
      const r = await run(session, (await source.read(i)).feeds, [p.tensor]);
      parts.push(r[p.tensor].data as Float32Array);
    }
  } finally {
    await session.release();
  }
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  for (const x of parts)
    for (const v of x)
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
        n++;
      }
  if (!n) throw new OctetError('DATA_EMPTY', `Tensor '${p.tensor}' had no finite values on the calibration samples`);
  const lo = Math.min(min, range?.lo ?? min);
  const hi = Math.max(max, range?.hi ?? max, lo + 1e-12);
  const counts = new Array<number>(BINS).fill(0);
  let clipped = 0;
  let signal = 0;
  let noise = 0;
  for (const x of parts) {
    for (const v of x) {
      if (!Number.isFinite(v)) continue;
      counts[Math.min(BINS - 1, Math.floor(((v - lo) / (hi - lo)) * BINS))]++;
      if (range) {
        const qv = Math.min(range.qmax, Math.max(range.qmin, Math.round(v / range.scale) + range.zeroPoint));
        const back = (qv - range.zeroPoint) * range.scale;
        if (v < range.lo || v > range.hi) clipped++;
        signal += v * v;
        noise += (v - back) * (v - back);
      }
    }
  }
  return {
    tensor: p.tensor,
    owner: owner ? { name: owner.name, opType: owner.opType } : undefined,
    samples: parts.length,
    values: n,
    min,
    max,
    histogram: { lo, hi, counts },
    range,
    clippedFraction: range ? clipped / n : undefined,
    isolatedSqnrDb: range ? (noise === 0 ? 999 : 10 * Math.log10(signal / noise)) : undefined,
  };
}
