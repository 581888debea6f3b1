// Shared helpers for the native tests.
import * as native from '../index';

/** Kernel sets this CPU can run (tests run the kernels under each of them). */
export function availableKernels(): native.KernelName[] {
  const best = native.cpuFeatures().bestKernel;
  if (best === 'avx512') return ['scalar', 'avx2', 'avx512'];
  if (best === 'avx2') return ['scalar', 'avx2'];
  return ['scalar'];
}

export function withKernel<T>(k: native.KernelName, fn: () => T): T {
  native.setKernel(k);
  try {
    return fn();
  } finally {
    native.setKernel('auto');
  }
}

export function assertClose(actual: number, expected: number, tol: number, what = 'value'): void {
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`${what}: expected ${expected} ± ${tol}, got ${actual} (diff ${Math.abs(actual - expected)})`);
}

export function assertArrayEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, what = 'array'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === expected[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad) throw new Error(`${what}: ${bad} of ${actual.length} differ; first at ${first}: got ${actual[first]}, expected ${expected[first]}`);
}
