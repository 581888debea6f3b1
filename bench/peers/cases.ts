// The models of the peer benchmark and their data. Calibration samples come from Octet's own
// data sources and are written to .npy for the Python tools, so every tool calibrates on the
// same numbers; evaluation data is held out from calibration wherever the source allows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataSource, type DataSource, type ImagePreprocess } from '../../src/main/data';
import { loadModel, opsetOf } from '../../src/main/onnx/model';
import { inputSpecs } from '../../src/main/quant/quantize';
import { npyBytes, SHARED, SHARED_IMAGES, SHARED_MODELS } from '../../test/util/fixtures';
import { writeSynthetic } from '../../test/util/synthetic';
import type { RecipeInput } from '../../src/shared/recipe';

export interface ModelCase {
  name: string;
  fp32: string;
  /** The default domain's opset. */
  opset: number;
  /** Octet's --data SPEC and recipe (calib_samples, preprocess). */
  octetData: string;
  recipe: RecipeInput;
  /** The same calibration samples for the Python tools: a .npy [N, ...input dims], or a .npz with one array per input name (read directly by numpy). */
  calibNpy: string;
  calibSamples: number;
  /** Evaluation data for compareModels, and how many samples of it. */
  evalData: string;
  evalPreprocess?: Partial<ImagePreprocess>;
  evalSamples: number;
  /** One line each for the results file. */
  calibDescription: string;
  evalDescription: string;
  /**
   * 'top1' when the evaluation data has labels (the table's fidelity column is top-1 then);
   * 'embedding-cosine' for a sentence encoder: cosine of the attention-masked mean-pooled
   * last_hidden_state per evaluation sentence, mean (judged) and min (bench/metrics.ts).
   */
  metric: 'top1' | 'cosine' | 'embedding-cosine';
  /** Extra arguments for the Python script (e.g. NNCF's model type). */
  peerArgs: string[];
  /** Tool keys (runTools' toolKey) not run on this model, with why (said in the results file). */
  skipTools?: Record<string, string>;
  /** Tools offered only to some models (runTools' `onlyFor`) match this tag. */
  kind?: 'transformer';
}

const SYNTHETIC = ['mlp', 'resnetCnn', 'transformerBlock'];
const CALIB_SEED = 42; // writeSynthetic's default, as bench:engine uses
const EVAL_SEED = 1042;

/** (x − 127)/128 on RGB 0..255, as the face detector was trained; 4 seeded crops per image. */
export const FACE_PREPROCESS: Partial<ImagePreprocess> = { resize: 'random-crop', cropsPerImage: 4, mean: [0.498], std: [0.502] };

async function dumpNpy(source: DataSource, count: number, path: string): Promise<number> {
  const n = Math.min(count, source.count);
  const first = await source.read(0);
  const feeds = Object.values(first.feeds);
  if (feeds.length !== 1 || feeds[0].type !== 'float32') throw new Error(`${source.description}: expected one float32 input`);
  const dims = feeds[0].dims;
  const per = dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(per * n);
  for (let i = 0; i < n; i++) {
    const s = i === 0 ? first : await source.read(i);
    out.set(Object.values(s.feeds)[0].data as Float32Array, i * per);
  }
  writeFileSync(path, npyBytes({ descr: '<f4', shape: [n, ...dims], data: out }));
  return n;
}

async function inspect(model: string) {
  const m = (await loadModel(model)).model;
  return { specs: inputSpecs(m, {}), opset: opsetOf(m) };
}

export async function prepareCases(root: string, work: string, only: string[] | undefined, log: (s: string) => void): Promise<ModelCase[]> {
  const want = (n: string) => !only?.length || only.includes(n);
  const dirs = { models: join(work, 'models'), calib: join(work, 'calib'), evalData: join(work, 'eval') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const cases: ModelCase[] = [];

  const mnist = join(SHARED_MODELS, 'mnist-8.onnx');
  if (want('mnist-8') && existsSync(mnist)) {
    const calibNpy = join(dirs.calib, 'mnist-8.npy');
    const { specs, opset } = await inspect(mnist);
    const src = await openDataSource('mnist', specs, { split: 'calibration', limit: 200 });
    const n = await dumpNpy(src, 200, calibNpy);
    cases.push({
      name: 'mnist-8',
      fp32: mnist,
      opset,
      octetData: 'mnist',
      recipe: { calib_samples: n },
      calibNpy,
      calibSamples: n,
      calibDescription: `the first ${n} digits of the built-in calibration split`,
      evalDescription: 'the 2,000 built-in evaluation digits (labelled)',
      evalData: 'mnist',
      evalSamples: 2000,
      metric: 'top1',
      peerArgs: [],
    });
  } else if (want('mnist-8')) log(`skipping mnist-8: ${mnist} not found`);

  const face = join(SHARED_MODELS, 'ultraface-rfb-320.onnx');
  if (want('ultraface') && existsSync(face) && existsSync(SHARED_IMAGES)) {
    const calibNpy = join(dirs.calib, 'ultraface.npy');
    const { specs, opset } = await inspect(face);
    const src = await openDataSource(SHARED_IMAGES, specs, { preprocess: FACE_PREPROCESS, limit: 32 });
    const n = await dumpNpy(src, 32, calibNpy);
    cases.push({
      name: 'ultraface',
      fp32: face,
      opset,
      octetData: SHARED_IMAGES,
      recipe: { calib_samples: n, preprocess: FACE_PREPROCESS },
      calibNpy,
      calibSamples: n,
      calibDescription: `${n} crops of ../shared/images (4 seeded random crops per image, RGB 240×320, (x−127)/128)`,
      evalDescription: '32 other crops of the same images (crop seed 1)',
      evalData: SHARED_IMAGES,
      // Other crops of the same photos (seed 1): the folder holds only 8 images.
      evalPreprocess: { ...FACE_PREPROCESS, seed: 1 },
      evalSamples: 32,
      metric: 'cosine',
      peerArgs: [],
    });
  } else if (want('ultraface')) log(`skipping ultraface: ${face} or ${SHARED_IMAGES} not found`);

  // A real BERT-style encoder with three int64 inputs, and tokenized sentences as .npz (issue 12).
  const minilm = join(SHARED_MODELS, 'all-MiniLM-L6-v2.onnx');
  const minilmCalib = join(SHARED, 'data', 'minilm.calib.npz');
  const minilmEval = join(SHARED, 'data', 'minilm.eval.npz');
  if (want('minilm') && existsSync(minilm) && existsSync(minilmCalib) && existsSync(minilmEval)) {
    cases.push({
      name: 'minilm',
      fp32: minilm,
      opset: opsetOf((await loadModel(minilm)).model),
      octetData: minilmCalib,
      recipe: { calib_samples: 128 },
      // The .npz itself: quantize_peer.py reads one array per input name with numpy.
      calibNpy: minilmCalib,
      calibSamples: 128,
      calibDescription: '../shared/data/minilm.calib.npz: 128 tokenized sentences, 64 tokens (input_ids, attention_mask, token_type_ids)',
      evalDescription:
        '../shared/data/minilm.eval.npz: 64 other sentences; embedding cosine = cosine of the attention-masked mean of last_hidden_state, int8 vs fp32, per sentence (mean and min); latency on its first sentence (64 tokens)',
      evalData: minilmEval,
      evalSamples: 64,
      metric: 'embedding-cosine',
      peerArgs: ['--model-type', 'transformer'],
      kind: 'transformer',
      skipTools: {
        'octet-uint8': 'not run on MiniLM (time budget; the default recipe is what is judged)',
        'ort-pt-entropy': 'not run on MiniLM: the issue compares MinMax; Entropy histograms of every tensor over 128 sentences take long on 2 cores',
        'ort-pc-entropy': 'not run on MiniLM (as per-tensor Entropy)',
      },
    });
  } else if (want('minilm')) log(`skipping minilm: ${minilm}, ${minilmCalib} or ${minilmEval} not found`);

  const synth = SYNTHETIC.filter(want);
  if (synth.length) {
    // The models as the benchmarks write them; writeSynthetic builds the same bytes-for-bytes
    // graph and also writes the seeded Gaussian data.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test', 'models', 'write.ts'), dirs.models, ...synth], {
      encoding: 'utf8',
      cwd: root,
    });
    if (r.status !== 0) throw new Error(`test/models/write.ts failed: ${r.stderr.trim().split('\n').pop()}`);
    for (const name of synth) {
      const calib = writeSynthetic(dirs.calib, name, 32, CALIB_SEED);
      const evalSet = writeSynthetic(dirs.evalData, name, 32, EVAL_SEED);
      const fp32 = join(dirs.models, `${name}.onnx`);
      cases.push({
        name,
        fp32,
        opset: (await inspect(fp32)).opset,
        octetData: calib.data,
        recipe: { calib_samples: 32 },
        calibNpy: calib.data,
        calibSamples: 32,
        calibDescription: `32 seeded Gaussian samples (seed ${CALIB_SEED})`,
        evalDescription: `32 others (seed ${EVAL_SEED})`,
        evalData: evalSet.data,
        evalSamples: 32,
        metric: 'cosine',
        peerArgs: name === 'transformerBlock' ? ['--model-type', 'transformer'] : [],
      });
    }
  }
  return cases;
}
