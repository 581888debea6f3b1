#!/usr/bin/env node
// `npm run build:native` (and scripts/ensure-native.mjs, which every script that needs the addon
// calls, when it is missing or stale): compiles native/ into native/build/Release/octet_native.node with
// node-gyp against Node headers that are already on this machine. It never downloads headers.
//
//   node native/build.mjs            configure + incremental build
//   node native/build.mjs --clean    remove native/build first
//   node native/build.mjs --debug    Debug build (native/build/Debug)
//
// Header directory (first that holds include/node/common.gypi and node_api.h):
//   $OCTET_NODEDIR, $npm_config_nodedir, the prefix of the running node (/usr for
//   /usr/bin/node), node-gyp's cache (~/.cache/node-gyp/<version>).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const args = process.argv.slice(2);
const clean = args.includes('--clean');
const debug = args.includes('--debug');
const isWin = platform() === 'win32';

function fail(cause, fix, detail) {
  console.error(`\nbuild:native failed: ${cause} ${fix}`);
  if (detail) console.error(`\n--- details ---\n${detail.trim()}`);
  process.exit(1);
}

function hasHeaders(dir) {
  return !!dir && existsSync(join(dir, 'include', 'node', 'common.gypi')) && existsSync(join(dir, 'include', 'node', 'node_api.h'));
}

function findNodeDir() {
  const version = process.version.replace(/^v/, '');
  const candidates = [
    process.env.OCTET_NODEDIR,
    process.env.npm_config_nodedir,
    resolve(dirname(process.execPath), '..'),
    process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'node-gyp', version) : undefined,
    join(homedir(), '.cache', 'node-gyp', version),
    isWin && process.env.LOCALAPPDATA ? join(process.env.LOCALAPPDATA, 'node-gyp', 'Cache', version) : undefined,
  ].filter(Boolean);
  return { dir: candidates.find(hasHeaders), tried: candidates };
}

function findNodeGyp() {
  const require = createRequire(join(root, 'package.json'));
  try {
    return { cmd: process.execPath, pre: [require.resolve('node-gyp/bin/node-gyp.js')] };
  } catch {
    const bin = join(root, 'node_modules', '.bin', isWin ? 'node-gyp.cmd' : 'node-gyp');
    if (existsSync(bin)) return { cmd: bin, pre: [] };
    return undefined;
  }
}

function which(cmd) {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', shell: isWin });
  return r.status === 0;
}

// --- preflight -----------------------------------------------------------------
const gyp = findNodeGyp();
if (!gyp) fail('node-gyp is not installed.', 'Run `npm install` in the repository root (node-gyp is a devDependency).');
if (!existsSync(join(root, 'node_modules', 'node-addon-api')))
  fail('node-addon-api is not installed.', 'Run `npm install` in the repository root (node-addon-api is a devDependency).');

if (process.env.OCTET_NODEDIR && !hasHeaders(process.env.OCTET_NODEDIR))
  fail(
    `OCTET_NODEDIR=${process.env.OCTET_NODEDIR} does not hold include/node/common.gypi and include/node/node_api.h.`,
    'Set it to the prefix that contains include/node (for /usr/include/node that is /usr), or unset it to use the headers found automatically.',
  );
const { dir: nodedir, tried } = findNodeDir();
if (!nodedir)
  fail(
    `no local Node.js headers for ${process.version} were found (looked for include/node/common.gypi and node_api.h under: ${tried.join(', ')}), and this build never downloads them.`,
    'Install the headers that match this node (Debian/Ubuntu: `apt-get install -y libnode-dev` for the distro node, or the official tarball, which ships include/node) and, if they live elsewhere, point the build at that prefix: `OCTET_NODEDIR=/path/to/prefix npm run build:native` (the prefix is the directory that contains include/node).',
  );

if (!isWin) {
  const cxx = process.env.CXX || 'c++';
  if (!which(cxx) && !which('g++') && !which('clang++'))
    fail(
      'no C++ compiler was found (tried $CXX, c++, g++, clang++).',
      'Install one: `apt-get install -y g++ make python3` (Debian/Ubuntu), `xcode-select --install` (macOS).',
    );
  if (!which('make')) fail('`make` was not found.', 'Install it: `apt-get install -y g++ make python3`.');
}
const python = process.env.PYTHON || (isWin ? 'python' : 'python3');
if (!which(python))
  fail(
    `Python 3 (needed by node-gyp) was not found as \`${python}\`.`,
    'Install it (`apt-get install -y g++ make python3`) or set $PYTHON to a python3 executable.',
  );

// N-API is ABI-stable, so headers of another Node version still produce a working addon;
// say so rather than fail.
try {
  const vh = readFileSync(join(nodedir, 'include', 'node', 'node_version.h'), 'utf8');
  const major = /#define NODE_MAJOR_VERSION (\d+)/.exec(vh)?.[1];
  if (major && major !== process.versions.node.split('.')[0])
    console.warn(
      `build:native: note: headers in ${nodedir} are for Node ${major}, running ${process.version} (fine for N-API; set OCTET_NODEDIR to use others)`,
    );
} catch {
  // no node_version.h: nothing to compare
}

// --- build ---------------------------------------------------------------------
if (clean) rmSync(join(here, 'build'), { recursive: true, force: true });

const env = { ...process.env, npm_config_nodedir: nodedir };
delete env.npm_config_tarball; // a tarball setting would make node-gyp fetch/extract headers
const common = [`--nodedir=${nodedir}`, '--loglevel=warn', ...(debug ? ['--debug'] : [])];
let log = '';
// Streams node-gyp's output while keeping a copy to classify a failure.
function run(step, extra) {
  return new Promise((resolvePromise) => {
    const child = spawn(gyp.cmd, [...gyp.pre, step, ...common, ...extra], { cwd: here, env, shell: isWin && gyp.pre.length === 0 });
    child.stdout.on('data', (d) => {
      log += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      log += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => fail(`could not start node-gyp (${e.message}).`, 'Run `npm install` in the repository root.'));
    child.on('close', (code) => resolvePromise(code === 0));
  });
}

console.log(`build:native: node ${process.version}, headers from ${nodedir}`);
const ok = (await run('configure', [])) && (await run('build', ['--jobs=max']));
if (!ok) {
  const text = log; // already shown above: classify it, don't repeat it
  if (/\b(c\+\+|g\+\+|clang\+\+|make)\b[:,]? (command )?not found|not found: (make|c\+\+|g\+\+)|spawn (make|c\+\+|g\+\+) ENOENT/i.test(text))
    fail(
      'the C++ toolchain is incomplete (compiler or make missing).',
      'Install it: `apt-get install -y g++ make python3`, then run the same npm command again.',
    );
  if (/Could not find any Python|python.*not found/i.test(text))
    fail('node-gyp could not find Python 3.', 'Install it (`apt-get install -y python3`) or set $PYTHON, then run the same npm command again.');
  if (/napi\.h: No such file/.test(text))
    fail('node-addon-api headers were not found.', 'Run `npm install` in the repository root (node-addon-api is a devDependency).');
  if (/(common\.gypi|node_api\.h|js_native_api\.h)/.test(text) && /No such file|not found|cannot open/i.test(text))
    fail(
      `the Node.js headers under ${nodedir} are incomplete or unreadable.`,
      'Point the build at a complete header prefix: `OCTET_NODEDIR=/path/to/prefix npm run build:native` (the directory containing include/node with common.gypi and node_api.h).',
    );
  fail(
    'node-gyp failed (see the compiler output above).',
    'Fix the reported error, or run `node native/build.mjs --clean` to rebuild from scratch; see native/README.md, Troubleshooting.',
  );
}

// --- smoke test ------------------------------------------------------------------
const out = join(here, 'build', debug ? 'Debug' : 'Release', 'octet_native.node');
if (!existsSync(out))
  fail(`the build reported success but ${out} is missing.`, 'Run `node native/build.mjs --clean`.', readdirSync(join(here, 'build')).join('\n'));
const check = spawnSync(process.execPath, ['-e', `const m=require(${JSON.stringify(out)});console.log(JSON.stringify(m.cpuFeatures()))`], { encoding: 'utf8' });
if (check.status !== 0)
  fail(
    `the addon was built but does not load (${(check.stderr || '').split('\n')[0]}).`,
    'Run `node native/build.mjs --clean`; see native/README.md, Troubleshooting.',
    check.stderr,
  );
console.log(`build:native: ok -> ${out}\nbuild:native: cpu ${check.stdout.trim()}`);
