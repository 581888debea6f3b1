#!/usr/bin/env node
// `npm run build:native`: compiles native/ into native/build/Release/octet_native.node with
// node-gyp against Node headers that are already on this machine. It never downloads headers.
//
//   node native/build.mjs            configure + incremental build
//   node native/build.mjs --clean    remove native/build first
//   node native/build.mjs --debug    Debug build (native/build/Debug)
//
// Header directory (first that holds include/node/common.gypi and node_api.h):
//   $OCTET_NODEDIR, $npm_config_nodedir, the prefix of the running node (/usr for
//   /usr/bin/node), node-gyp's cache (~/.cache/node-gyp/<version>).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, readdirSync } from 'node:fs';
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

const { dir: nodedir, tried } = findNodeDir();
if (!nodedir)
  fail(
    `no local Node.js headers for ${process.version} were found (looked for include/node/common.gypi and node_api.h under: ${tried.join(', ')}), and this build never downloads them.`,
    'Install the headers that match this node (Debian/Ubuntu: `apt-get install -y libnode-dev` for the distro node, or the official tarball, which ships include/node) and, if they live elsewhere, point the build at that prefix: `OCTET_NODEDIR=/path/to/prefix npm run build:native` (the prefix is the directory that contains include/node).',
  );

if (!isWin) {
  const cxx = process.env.CXX || 'c++';
  if (!which(cxx) && !which('g++') && !which('clang++'))
    fail('no C++ compiler was found (tried $CXX, c++, g++, clang++).', 'Install one: `apt-get install -y g++ make python3` (Debian/Ubuntu), `xcode-select --install` (macOS).');
  if (!which('make')) fail('`make` was not found.', 'Install it: `apt-get install -y g++ make python3`.');
}
const python = process.env.PYTHON || (isWin ? 'python' : 'python3');
if (!which(python))
  fail(`Python 3 (needed by node-gyp) was not found as \`${python}\`.`, 'Install it (`apt-get install -y g++ make python3`) or set $PYTHON to a python3 executable.');

// --- build ---------------------------------------------------------------------
if (clean) rmSync(join(here, 'build'), { recursive: true, force: true });

const env = { ...process.env, npm_config_nodedir: nodedir };
delete env.npm_config_tarball; // a tarball setting would make node-gyp fetch/extract headers
const common = [`--nodedir=${nodedir}`, ...(debug ? ['--debug'] : [])];
let log = '';
function run(step, extra) {
  const r = spawnSync(gyp.cmd, [...gyp.pre, step, ...common, ...extra], { cwd: here, env, encoding: 'utf8', shell: isWin && gyp.pre.length === 0 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  log += out;
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  if (r.error) fail(`could not start node-gyp (${r.error.message}).`, 'Run `npm install` in the repository root.');
  return r.status === 0;
}

console.log(`build:native: node ${process.version}, headers from ${nodedir}`);
const ok = run('configure', []) && run('build', ['--jobs=max']);
if (!ok) {
  const text = log;
  if (/(c\+\+|g\+\+|cc|clang\+\+)[:,]? (command )?not found|No such file or directory.*(g\+\+|c\+\+)|not found: (make|c\+\+|g\+\+)|make: not found/i.test(text))
    fail('the C++ toolchain is incomplete (compiler or make missing).', 'Install it: `apt-get install -y g++ make python3`, then run `npm run build:native` again.', text);
  if (/Could not find any Python|python.*not found/i.test(text))
    fail('node-gyp could not find Python 3.', 'Install it (`apt-get install -y python3`) or set $PYTHON, then run `npm run build:native` again.', text);
  if (/common\.gypi|node_api\.h|napi\.h|js_native_api\.h/.test(text) && /No such file|not found|cannot open/i.test(text))
    fail(`the Node.js headers under ${nodedir} are incomplete or unreadable.`, 'Point the build at a complete header prefix: `OCTET_NODEDIR=/path/to/prefix npm run build:native` (the directory containing include/node with common.gypi and node_api.h).', text);
  fail('node-gyp failed (see the compiler output above).', 'Fix the reported error, or run `node native/build.mjs --clean` to rebuild from scratch; see native/README.md, Troubleshooting.', text);
}

// --- smoke test ------------------------------------------------------------------
const out = join(here, 'build', debug ? 'Debug' : 'Release', 'octet_native.node');
if (!existsSync(out)) fail(`the build reported success but ${out} is missing.`, 'Run `node native/build.mjs --clean`.', readdirSync(join(here, 'build')).join('\n'));
const check = spawnSync(process.execPath, ['-e', `const m=require(${JSON.stringify(out)});console.log(JSON.stringify(m.cpuFeatures()))`], { encoding: 'utf8' });
if (check.status !== 0) fail(`the addon was built but does not load (${(check.stderr || '').split('\n')[0]}).`, 'Run `node native/build.mjs --clean`; see native/README.md, Troubleshooting.', check.stderr);
console.log(`build:native: ok -> ${out}\nbuild:native: cpu ${check.stdout.trim()}`);
