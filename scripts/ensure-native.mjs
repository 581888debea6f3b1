#!/usr/bin/env node
// Builds the native addon when it is missing or stale, so no script needs a separate
// `npm run build:native` first. Stale: native/binding.gyp or any file in native/src is newer
// than native/build/Release/octet_native.node. The build is native/build.mjs (node-gyp against
// the local Node headers; it never downloads anything); its errors are one line with the fix.
//
//   node scripts/ensure-native.mjs       (scripts/build.mjs and the bench scripts call it)
//   import { ensureNative } from './ensure-native.mjs'; await ensureNative();
//
// With $OCTET_NATIVE_PATH set (an addon built elsewhere) nothing is checked or built.
// Concurrent callers (e.g. `npm test` and `npm run demo` at once) take a lock directory, so
// only one node-gyp runs in native/build at a time; the others wait, then re-check.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
export const addonPath = join(nativeDir, 'build', 'Release', 'octet_native.node');
const lockDir = join(nativeDir, 'build', '.octet-build.lock');
const LOCK_STALE_MS = 15 * 60 * 1000;

const mtime = (p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs;

/** The sources the addon is built from: binding.gyp and every file in native/src. */
function sources() {
  const out = [join(nativeDir, 'binding.gyp')];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(join(nativeDir, 'src'));
  return out;
}

/** Why the addon needs building ('missing', 'native/src/x.cc is newer'), or undefined. */
export function nativeStaleReason() {
  const built = mtime(addonPath);
  if (built === undefined) return 'it is not built yet';
  let newest;
  for (const p of sources()) {
    const t = mtime(p);
    if (t !== undefined && t > built && (!newest || t > newest.t)) newest = { p, t };
  }
  return newest ? `${relative(root, newest.p)} is newer than the built addon` : undefined;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function tryLock() {
  mkdirSync(dirname(lockDir), { recursive: true });
  try {
    mkdirSync(lockDir);
    writeFileSync(join(lockDir, 'pid'), String(process.pid));
    return true;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
  }
  // Break a lock whose owner is gone (killed build) or that is far too old.
  let pid = NaN;
  try {
    pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
  } catch {
    // pid not written yet: judge by age only
  }
  const age = Date.now() - (mtime(lockDir) ?? Date.now());
  if ((Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) || age > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
  return false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds the addon if it is missing or stale. Resolves when it is up to date; on a failed build
 * the process exits with the build's code (its one-line cause and fix are already printed).
 */
export async function ensureNative({ log = (m) => console.error(m) } = {}) {
  if (process.env.OCTET_NATIVE_PATH) return;
  if (!nativeStaleReason()) return;
  let waited = false;
  while (!tryLock()) {
    if (!waited) log('octet: another process is building the native addon; waiting for it');
    waited = true;
    await sleep(500);
  }
  try {
    const reason = nativeStaleReason();
    if (!reason) return;
    log(`octet: building the native addon (${reason}): node native/build.mjs`);
    const r = spawnSync(process.execPath, [join(nativeDir, 'build.mjs')], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
    // make relinks only what changed; a source touched without a change (or dated in the
    // future) must not trigger a build on every run.
    if (nativeStaleReason()) {
      const now = new Date();
      utimesSync(addonPath, now, now);
    }
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await ensureNative();
