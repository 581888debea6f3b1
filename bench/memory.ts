// npm run bench:memory — peak RSS of a real `octet quantize` (CLI + its worker) calibrating a
// detector-sized model (~5 MB, 3×480×640) on 16 samples, measured by /usr/bin/time -v.
// ONNX Runtime's Python calibrator needed 9.4 GB (entropy) on a case of this size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSynthetic } from '../test/util/synthetic';

const LIMIT_GB = 1;
const root = join(__dirname, '..');
if (!existsSync('/usr/bin/time')) {
  console.error('bench:memory needs GNU time: apt-get install -y time');
  process.exit(1);
}
if (!existsSync(join(root, 'dist', 'cli.cjs'))) {
  console.error("bench:memory runs the built CLI: run 'npm run build' first");
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'octet-mem-'));
try {
  const f = writeSynthetic(dir, 'detector', 16);
  console.log(`model ${(statSync(f.model).size / 2 ** 20).toFixed(1)} MiB, data 16 × 3×480×640 (${(statSync(f.data).size / 2 ** 20).toFixed(0)} MiB .npy)`);
  const rows: string[] = [];
  for (const algo of ['kl', 'percentile', 'minmax']) {
    const out = join(dir, `det.${algo}.onnx`);
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-v',
        process.execPath,
        join(root, 'bin', 'octet.js'),
        'quantize',
        f.model,
        '-o',
        out,
        '--data',
        f.data,
        '--act-algo',
        algo,
        '--calib-samples',
        '16',
        '--report',
        join(dir, `${algo}.json`),
      ],
      {
        encoding: 'utf8',
      },
    );
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
    const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.+)/.exec(r.stderr)?.[1]?.trim();
    if (r.status !== 0 || !kb) {
      console.error(
        `--act-algo ${algo} failed (exit ${r.status}):\n${r.stderr
          .split('\n')
          .filter((l) => l.startsWith('octet'))
          .join('\n')}`,
      );
      process.exitCode = 1;
      continue;
    }
    const gb = kb / 2 ** 20;
    rows.push(
      `  --act-algo ${algo.padEnd(10)} peak RSS ${gb.toFixed(2)} GB (${(gb / LIMIT_GB).toFixed(2)} of the ${LIMIT_GB} GB target: ${gb <= LIMIT_GB ? 'PASS' : 'MISS'}), wall ${wall}`,
    );
  }
  console.log(rows.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
