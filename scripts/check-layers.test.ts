// The layer check on small trees: it must fail on what it is there to catch, and pass on the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SCRIPT = join(__dirname, 'check-layers.mjs');

function check(files: Record<string, string>): { status: number | null; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'octet-layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const r = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('the repository passes: no cycle, no upward import', () => {
  const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /no cycle, no upward import/);
});

test('a cycle between folders and the upward import in it are reported', () => {
  const r = check({
    'src/main/quant/a.ts': "import { b } from '../bench/b';\nexport const a = b;\n",
    'src/main/bench/b.ts': "import type { T } from '../quant/t';\nexport const b = 1 as T;\n",
    'src/main/quant/t.ts': 'export type T = number;\n',
  });
  assert.equal(r.status, 1);
  assert.match(r.out, /src\/main\/quant\/a\.ts imports '\.\.\/bench\/b' \(bench, layer 7\): quant \(layer 6\) may import only/);
  assert.match(r.out, /import cycle between (quant, bench|bench, quant)/);
});

test('a cycle between files, app code importing tests, and an unknown folder are reported', () => {
  const r = check({
    'src/main/data/x.ts': "import { y } from './y';\nexport const x = () => y;\n",
    'src/main/data/y.ts': "import { x } from './x';\nexport const y = () => x;\n",
    'src/main/onnx/z.ts': "import { f } from '../../../test/util/f';\nexport const z = f;\n",
    'test/util/f.ts': 'export const f = 1;\n',
    'src/main/newthing/n.ts': 'export const n = 1;\n',
  });
  assert.equal(r.status, 1);
  assert.match(r.out, /import cycle between files:\n\s+src\/main\/data\/(x|y)\.ts/);
  assert.match(r.out, /app code may not import dev code \(test\/\)/);
  assert.match(r.out, /'newthing' is not in the layer table/);
});

test('type-only imports between files do not make a cycle; a lower layer is fine', () => {
  const r = check({
    'src/shared/a.ts': "import type { B } from './b';\nexport type A = { b?: B };\n",
    'src/shared/b.ts': "import type { A } from './a';\nexport type B = { a?: A };\n",
    'src/main/onnx/m.ts': "import type { A } from '../../shared/a';\nexport const m: A = {};\n",
  });
  assert.equal(r.status, 0, r.out);
});
