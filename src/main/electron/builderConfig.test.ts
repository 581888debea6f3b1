// Electron's binary cannot be downloaded here, so packaging is checked by reading its config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..', '..');

interface BuilderConfig {
  appId?: string;
  extraMetadata?: { main?: string };
  files?: string[];
  asar?: boolean;
  asarUnpack?: string[];
  linux?: { target?: string[] };
  win?: { target?: string[] };
  mac?: { target?: string[] };
  electronFuses?: Record<string, boolean>;
}

const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

test('targets Linux AppImage and deb, Windows nsis, macOS dmg', () => {
  assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win?.target, ['nsis']);
  assert.deepEqual(config.mac?.target, ['dmg']);
  assert.ok(config.appId);
});

test('native binaries are unpacked from the asar archive', () => {
  assert.equal(config.asar, true);
  const unpack = config.asarUnpack ?? [];
  assert.ok(
    unpack.some((p) => p.startsWith('node_modules/onnxruntime-node/')),
    'onnxruntime-node',
  );
  assert.ok(
    unpack.some((p) => p.startsWith('node_modules/sharp')),
    'sharp',
  );
  assert.ok(
    unpack.some((p) => p.startsWith('node_modules/@img')),
    "sharp's libvips",
  );
  assert.ok(unpack.includes('native/build/Release/*.node'), "Octet's addon");
  assert.ok(
    unpack.some((p) => p.startsWith('assets/demo')),
    'the demo model, which ONNX Runtime opens by path',
  );
  // native/index.ts looks for the addon where asarUnpack puts it.
  assert.match(readFileSync(join(ROOT, 'native', 'index.ts'), 'utf8'), /app\.asar\.unpacked/);
});

test('Electron fuses: no run-as-node, app only from the asar, embedded asar integrity', () => {
  const f = config.electronFuses ?? {};
  assert.equal(f.runAsNode, false);
  assert.equal(f.onlyLoadAppFromAsar, true);
  assert.equal(f.enableEmbeddedAsarIntegrityValidation, true);
  assert.equal(f.enableNodeOptionsEnvironmentVariable, false);
  assert.equal(f.enableNodeCliInspectArguments, false);
});

test('the packaged app starts the bundle the build writes, and ships the demo', () => {
  const main = config.extraMetadata?.main;
  assert.equal(main, 'dist/electron-main.cjs');
  const build = readFileSync(join(ROOT, 'scripts', 'build.mjs'), 'utf8');
  assert.ok(build.includes(`outfile: '${main}'`), 'scripts/build.mjs writes the main bundle');
  assert.ok(build.includes("outfile: 'dist/preload.cjs'"), 'and the preload beside it');
  assert.ok(config.files?.includes('dist/**/*'));
  assert.ok(config.files?.some((f) => f.startsWith('assets/demo')));
  assert.ok(existsSync(join(ROOT, 'src', 'main', 'electron', 'main.ts')));
});
