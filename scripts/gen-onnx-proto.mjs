#!/usr/bin/env node
// Regenerates src/main/onnx/proto/onnx.{js,d.ts} from onnx.proto (copied from the onnx wheel,
// Apache-2.0) with protobufjs-cli's pbjs and pbts. The generated code requires
// ./protobufRuntime (a hand-written module: int64 as numbers, ±2^63 clamped on encode) instead of
// protobufjs/minimal, so nothing is patched after generation.
//
//   node scripts/gen-onnx-proto.mjs           write the files
//   node scripts/gen-onnx-proto.mjs --check   regenerate into a temp folder and fail if the
//                                             committed files differ (npm run lint runs this)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'src', 'main', 'onnx', 'proto');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const FILES = ['onnx.js', 'onnx.d.ts'];

/** Writes onnx.js and onnx.d.ts into dir, from dir/onnx.proto. */
function generate(dir) {
  const run = (cmd, args) => execFileSync(bin(cmd), args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  run('pbjs', [
    '-t',
    'static-module',
    '-w',
    'commonjs',
    '--dependency',
    './protobufRuntime',
    '--force-message',
    '--force-number',
    '--no-verify',
    '--no-convert',
    '--no-delimited',
    '--no-service',
    '-o',
    'onnx.js',
    'onnx.proto',
  ]);
  run('pbts', ['-o', 'onnx.d.ts', 'onnx.js']);
}

if (process.argv.includes('--check')) {
  const tmp = mkdtempSync(join(tmpdir(), 'octet-proto-'));
  try {
    copyFileSync(join(protoDir, 'onnx.proto'), join(tmp, 'onnx.proto'));
    generate(tmp);
    const stale = FILES.filter((f) => !readFileSync(join(tmp, f)).equals(readFileSync(join(protoDir, f))));
    if (stale.length) {
      console.error(
        `gen-onnx-proto: ${stale.map((f) => `src/main/onnx/proto/${f}`).join(' and ')} differ from what onnx.proto generates; run node scripts/gen-onnx-proto.mjs`,
      );
      process.exit(1);
    }
    console.log(`gen-onnx-proto: ${FILES.join(' and ')} match onnx.proto`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  generate(protoDir);
  console.log(`gen-onnx-proto: wrote ${FILES.join(' and ')}`);
}
