#!/usr/bin/env node
// Bundles the Node side (CLI, worker) into dist/. Native and platform packages stay external:
// onnxruntime-node and sharp load their own binaries, and the addon is found by native/index.ts.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['onnxruntime-node', 'sharp', 'electron'],
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['src/main/cli/main.ts'], outfile: 'dist/cli.cjs' }),
  build({ ...common, entryPoints: ['src/main/jobs/worker.ts'], outfile: 'dist/worker.cjs' }),
]);
