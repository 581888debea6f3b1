import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel, type ModelProto } from '../onnx/model';
import { openSession } from './session';

/**
 * ORT's basic-level rewrites (constant folding, Conv+Add/Mul fusion, MatMul+Add → Gemm,
 * redundant node elimination), which keep standard ONNX ops. Quantizing the folded graph
 * puts one int8 kernel where the original had a compute op plus float bias ops.
 */
export async function basicOptimize(model: ModelProto): Promise<ModelProto> {
  const dir = await mkdtemp(join(tmpdir(), 'octet-prep-'));
  try {
    const out = join(dir, 'basic.onnx');
    const session = await openSession(encodeModel(model), { threads: 1, level: 'basic', optimizedModelFilePath: out });
    await session.release();
    return decodeModel(await readFile(out), 'optimized model');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
