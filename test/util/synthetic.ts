// Writes a synthetic model and seeded Gaussian calibration data (.npy) to a folder, for tests
// and benchmarks that exercise the engine through its file-based entry points.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { buildSynthetic } from '../models/synthetic';
import { encodeModel } from '../../src/main/onnx/model';
import { randn, rng } from '../../src/main/onnx/builder';
import { npyBytes } from './fixtures';

export interface SyntheticFiles {
  model: string;
  data: string;
  /** --shape values for symbolic dims (batch 1). */
  shapes: Record<string, number[]>;
}

export function writeSynthetic(dir: string, name: string, samples = 16, seed = 42): SyntheticFiles {
  const s = buildSynthetic(name);
  const model = join(dir, `${name}.onnx`);
  writeFileSync(model, encodeModel(s.model));
  const input = s.inputs[0];
  const dims = input.dims.map((d) => (typeof d === 'number' ? d : 1));
  const shapes = input.dims.some((d) => typeof d !== 'number') ? { [input.name]: dims } : {};
  const count = dims.reduce((a, b) => a * b, 1) * samples;
  const data = join(dir, `${name}.npy`);
  writeFileSync(data, npyBytes({ descr: '<f4', shape: [samples, ...dims], data: randn(count, 1, rng(seed)) }));
  return { model, data, shapes };
}
