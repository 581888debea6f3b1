// `npm run security:electron`: Electronegativity (Doyensec's Electron linter) over the BUILT app
// (dist/electron-main.cjs, dist/preload.cjs, dist/renderer) and over its sources
// (src/main/electron, src/renderer), offline. Prints every finding and a count; exits 1 on any
// finding, on a file it could not parse, when its self-check on a deliberately insecure app
// misses what it must catch, or when an inline disable is not listed in docs/security.md.
//
//   npx tsx test/security/electronegativity.ts [--dist DIR] [--verbose]
//
// Why a wrapper rather than the CLI (see docs/security.md, "Electronegativity"):
// - the CLI exits 0 whatever it finds;
// - it reads only .js/.jsx/.ts/.tsx/.html, so the .cjs bundles are staged as .js;
// - its BrowserWindow checks match `new BrowserWindow(…)` only, and esbuild writes
//   `new import_electron4.BrowserWindow(…)`: the staged copy names the callee plainly (padded
//   with spaces, so every line and column stays where the source map says);
// - esbuild drops comments, so an inline `eng-disable` in a source file is honoured for the bundle
//   through the bundle's source map, with the same rule Electronegativity applies to sources;
// - it fetches translations and Electron's release list from the network at run time: both are
//   stubbed to fail at once, and the one check that needs the release list is left out (below).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(__dirname, '..', '..');
const { values } = parseArgs({ options: { dist: { type: 'string' }, verbose: { type: 'boolean' } } });
const DIST = resolve(values.dist ?? join(REPO, 'dist'));

/**
 * Checks left out, by class name (what Electronegativity's exclude list takes), with the reason.
 * Both need Electron's release list from the network, which CI does not reach; the Electron
 * version is pinned by package-lock.json and moves only through a reviewed dependency update.
 */
const EXCLUDED: Record<string, string> = {
  availablesecurityfixesglobalcheck: "AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK downloads Electron's release list to compare versions: needs the network",
  electronversionjsoncheck: 'ELECTRON_VERSION_JSON_CHECK only feeds AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK (alone it reports the version as a finding)',
};

// ---- Electronegativity, offline ----------------------------------------------------------------

interface Attr {
  name?: string;
  value?: number;
}
interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
  sample?: string;
  severity?: Attr;
  confidence?: Attr;
  manualReview?: boolean;
  constructorName?: string;
}
interface RunResult {
  globalChecks: number;
  atomicChecks: number;
  errors: { file: string; message: string; tolerable: boolean }[];
  issues: Issue[];
}
type Runner = (options: Record<string, unknown>, forCli?: boolean) => Promise<RunResult>;

function loadRunner(): Runner {
  const mod = Module as unknown as { _load: (this: unknown, req: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown };
  const load = mod._load;
  // `got` is how it reaches the network (translations, Electron releases): fail at once, offline.
  mod._load = function (req, parent, isMain) {
    if (req === 'got' && parent?.filename?.includes('electronegativity')) {
      const offline = () => Promise.reject(new Error('offline: Octet runs Electronegativity without the network'));
      return Object.assign(offline, { head: offline, get: offline });
    }
    return load.call(this, req, parent, isMain);
  } as typeof load;
  return require('@doyensec/electronegativity/dist/runner.js') as Runner;
}

const run = loadRunner();

async function scan(input: string, electronVersion: string): Promise<RunResult> {
  // The tool talks on console.log (banner-free here, but it still reports failed downloads).
  const log = console.log;
  const chatter: unknown[][] = [];
  console.log = (...a: unknown[]) => void chatter.push(a);
  try {
    return await run(
      { input, customScan: [], excludeFromScan: Object.keys(EXCLUDED), electronVersionOverride: electronVersion, isRelative: true, parserPlugins: [] },
      false,
    );
  } finally {
    console.log = log;
    if (values.verbose) for (const a of chatter) console.log('  [electronegativity]', ...a);
  }
}

// ---- staging -----------------------------------------------------------------------------------

/** `new import_electron4.BrowserWindow(` → `new BrowserWindow                  (`: same length, so positions hold. */
function plainConstructors(js: string): { text: string; count: number } {
  let count = 0;
  const text = js.replace(/new ([A-Za-z_$][\w$]*)\.(BrowserWindow|BrowserView)\(/g, (m, _ns: string, cls: string) => {
    count++;
    return `new ${cls}${' '.repeat(m.length - cls.length - 5)}(`;
  });
  return { text, count };
}

interface Staged {
  /** staged relative path → the built file and its source map */
  bundles: Map<string, { built: string; map?: SourceMap; mapDir: string }>;
  constructors: number;
}

function copyTree(from: string, to: string, keep: (name: string) => boolean): void {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyTree(src, join(to, name), keep);
    else if (keep(name)) {
      mkdirSync(to, { recursive: true });
      copyFileSync(src, join(to, name));
    }
  }
}

function stageBuilt(dist: string, stage: string): Staged {
  const bundles: Staged['bundles'] = new Map();
  let constructors = 0;
  for (const [file, as] of [
    ['electron-main.cjs', 'main/electron-main.js'],
    ['preload.cjs', 'main/preload.js'],
  ]) {
    const built = join(dist, file);
    if (!existsSync(built)) throw new Error(`${built} is missing: run 'npm run build' first (npm run security:electron does)`);
    const { text, count } = plainConstructors(readFileSync(built, 'utf8'));
    constructors += count;
    mkdirSync(dirname(join(stage, as)), { recursive: true });
    writeFileSync(join(stage, as), text);
    const mapFile = `${built}.map`;
    bundles.set(as, { built, map: existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined, mapDir: dirname(mapFile) });
  }
  const renderer = join(dist, 'renderer');
  if (!existsSync(join(renderer, 'index.html'))) throw new Error(`${renderer}/index.html is missing: run 'npm run build' first`);
  copyTree(renderer, join(stage, 'renderer'), (n) => /\.(html?|js)$/.test(n));
  for (const f of readdirSync(join(stage, 'renderer', 'assets'), { withFileTypes: true })) {
    if (f.isFile() && f.name.endsWith('.js')) {
      const built = join(renderer, 'assets', f.name);
      const mapFile = `${built}.map`;
      bundles.set(`renderer/assets/${f.name}`, {
        built,
        map: existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined,
        mapDir: dirname(mapFile),
      });
    }
  }
  // package.json: for the JSON checks (Electron flags and command-line switches set there).
  copyFileSync(join(REPO, 'package.json'), join(stage, 'package.json'));
  return { bundles, constructors };
}

/** What the Electron side is made of, in source form: Electronegativity parses TypeScript and TSX. */
function stageSources(stage: string): void {
  copyTree(join(REPO, 'src', 'main', 'electron'), join(stage, 'main', 'electron'), (n) => /\.ts$/.test(n) && !n.endsWith('.test.ts'));
  copyFileSync(join(REPO, 'src', 'main', 'server', 'csp.ts'), join(stage, 'main', 'csp.ts'));
  copyTree(join(REPO, 'src', 'renderer'), join(stage, 'renderer'), (n) => /\.(tsx?|html?)$/.test(n) && !/\.test\.tsx?$/.test(n));
  copyFileSync(join(REPO, 'package.json'), join(stage, 'package.json'));
}

// ---- inline disables ---------------------------------------------------------------------------

// Electronegativity's own syntax (util/exceptions.js): `// eng-disable ID [ID…]` in JS/TS,
// `<!-- eng-disable ID -->` in HTML, on the flagged line or the file's first line.
const JS_DISABLE = /(?:\/\*|\/\/)[ \t]*eng-disable[ \t]+([\w \t]+)/i;
const HTML_DISABLE = /<!--[ \t]*eng-disable[ \t]+([\w \t]+)-->/i;

function disabledIds(line: string | undefined, html: boolean): string[] {
  const m = line?.match(html ? HTML_DISABLE : JS_DISABLE);
  return m
    ? m[1]
        .trim()
        .split(/[,\s]+/)
        .map((s) => s.toUpperCase())
    : [];
}

/** Every eng-disable in the files Electronegativity read (sources) and in the renderer's HTML. */
function listDisables(stage: string, toRepo: (rel: string) => string): { file: string; line: number; ids: string[] }[] {
  const out: { file: string; line: number; ids: string[] }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(tsx?|html?)$/.test(name)) {
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((l, i) => {
            const ids = disabledIds(l, /\.html?$/.test(name));
            if (ids.length) out.push({ file: toRepo(relative(stage, p)), line: i + 1, ids });
          });
      }
    }
  };
  walk(stage);
  return out;
}

// ---- reporting ---------------------------------------------------------------------------------

interface Finding {
  id: string;
  where: string;
  built?: string;
  severity: string;
  description: string;
  sample?: string;
}

/** Where a bundle finding comes from, and whether its source line disables it. */
function attribute(issue: Issue, staged: Staged): { where: string; built?: string; disabledBy?: string } {
  const b = staged.bundles.get(issue.file);
  if (!b) return { where: issue.file === 'N/A' ? 'N/A (a check over the whole app)' : `dist/${issue.file.replace(/^main\//, '')}:${issue.location.line}` };
  const built = `${relative(REPO, b.built)}:${issue.location.line}:${issue.location.column}`;
  const entry = b.map?.findEntry(issue.location.line - 1, issue.location.column) as { originalSource?: string; originalLine?: number } | undefined;
  if (!entry?.originalSource || entry.originalLine === undefined) return { where: built };
  const source = resolve(b.mapDir, entry.originalSource);
  const where = `${relative(REPO, source)}:${entry.originalLine + 1}`;
  if (!existsSync(source)) return { where, built };
  const lines = readFileSync(source, 'utf8').split('\n');
  const ids = [...disabledIds(lines[entry.originalLine], false), ...disabledIds(lines[0], false)];
  const names = [issue.id.toUpperCase(), (issue.constructorName ?? '').toUpperCase()];
  return { where, built, disabledBy: ids.some((d) => names.includes(d)) ? where : undefined };
}

function electronVersion(): string {
  const pkg = join(REPO, 'node_modules', 'electron', 'package.json');
  if (!existsSync(pkg)) throw new Error('node_modules/electron is missing: npm ci --ignore-scripts installs it (its binary is not needed)');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

// ---- self-check --------------------------------------------------------------------------------

/** A deliberately insecure app, bundle-shaped like esbuild's output: what the gate must catch. */
const INSECURE_MAIN = `"use strict";
var import_electron = require("electron");
import_electron.app.commandLine.appendSwitch("ignore-certificate-errors");
import_electron.app.on("certificate-error", (event, _wc, _url, _err, _cert, callback) => { event.preventDefault(); callback(true); });
import_electron.app.whenReady().then(() => {
  const win = new import_electron.BrowserWindow({
    webPreferences: { contextIsolation: false, sandbox: false, nodeIntegration: true, webSecurity: false, allowRunningInsecureContent: true, experimentalFeatures: true, enableBlinkFeatures: "CSSVariables", enableRemoteModule: true }
  });
  const view = new import_electron.BrowserView({ webPreferences: { nodeIntegration: true, contextIsolation: true } });
  win.setBrowserView(view);
  win.loadURL("http://example.com/");
  win.webContents.on("did-finish-load", (url) => import_electron.shell.openExternal(url));
});
`;
const INSECURE_HTML = `<!doctype html><html><head><title>x</title></head><body><webview src="http://example.com/" nodeintegration allowpopups></webview></body></html>
`;
/** What the self-check must report: the checklist items Electronegativity can see. */
const MUST_CATCH = [
  'CONTEXT_ISOLATION_JS_CHECK',
  'SANDBOX_JS_CHECK',
  'NODE_INTEGRATION_JS_CHECK',
  'NODE_INTEGRATION_HTML_CHECK',
  'ALLOWPOPUPS_HTML_CHECK',
  'WEB_SECURITY_JS_CHECK',
  'INSECURE_CONTENT_JS_CHECK',
  'EXPERIMENTAL_FEATURES_JS_CHECK',
  'BLINK_FEATURES_JS_CHECK',
  'OPEN_EXTERNAL_JS_CHECK',
  'HTTP_RESOURCES_JS_CHECK',
  'HTTP_RESOURCES_HTML_CHECK',
  'CSP_GLOBAL_CHECK',
  'LIMIT_NAVIGATION_GLOBAL_CHECK',
  'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
  'AUXCLICK_JS_CHECK',
  'REMOTE_MODULE_JS_CHECK',
  'CUSTOM_ARGUMENTS_JS_CHECK',
  'CERTIFICATE_ERROR_EVENT_JS_CHECK',
];

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const version = electronVersion();
  const work = mkdtempSync(join(tmpdir(), 'octet-eng-'));
  const problems: string[] = [];
  const findings: Finding[] = [];
  const sev = (i: Issue) => `${i.severity?.name ?? '?'}/${i.confidence?.name ?? '?'}${i.manualReview ? ', review' : ''}`;
  try {
    // 1. Self-check: the same staging on an insecure app must light up.
    const canary = join(work, 'canary');
    mkdirSync(join(canary, 'main'), { recursive: true });
    const c = plainConstructors(INSECURE_MAIN);
    writeFileSync(join(canary, 'main', 'main.js'), c.text);
    writeFileSync(join(canary, 'index.html'), INSECURE_HTML);
    const cr = await scan(canary, version);
    const caught = new Set(cr.issues.map((i) => i.id));
    const missed = MUST_CATCH.filter((id) => !caught.has(id));
    if (c.count !== 2 || missed.length)
      problems.push(
        `self-check: on a deliberately insecure app it missed ${missed.join(', ') || '(bundle callee rewrite)'}; the gate would pass things it must not`,
      );
    console.log(
      `self-check: ${caught.size} kinds of finding on a deliberately insecure app, ${MUST_CATCH.length - missed.length}/${MUST_CATCH.length} required ones caught`,
    );

    // 2. The built app.
    const builtStage = join(work, 'built');
    const staged = stageBuilt(DIST, builtStage);
    if (staged.constructors < 1)
      problems.push(
        'no BrowserWindow construction found in dist/electron-main.cjs: the webPreferences checks would see nothing (has the bundle shape changed?)',
      );
    const br = await scan(builtStage, version);
    console.log(
      `built output (${relative(REPO, DIST) || '.'}/electron-main.cjs, preload.cjs, renderer/): ${br.atomicChecks} atomic + ${br.globalChecks} global checks, Electron ${version}`,
    );
    for (const e of br.errors) if (!e.tolerable) problems.push(`could not parse ${e.file}: ${e.message}`);
    for (const i of br.issues) {
      const a = attribute(i, staged);
      if (a.disabledBy) continue; // an eng-disable on the source line, found through the source map
      findings.push({ id: i.id, where: a.where, built: a.built, severity: sev(i), description: i.description, sample: i.sample });
    }
    const builtCount = findings.length;

    // 3. The sources.
    const srcStage = join(work, 'src');
    stageSources(srcStage);
    const sr = await scan(srcStage, version);
    console.log(`sources (src/main/electron, src/main/server/csp.ts, src/renderer): ${sr.atomicChecks} atomic + ${sr.globalChecks} global checks`);
    for (const e of sr.errors) if (!e.tolerable) problems.push(`could not parse ${e.file}: ${e.message}`);
    const toRepo = (rel: string) => (rel === 'main/csp.ts' ? 'src/main/server/csp.ts' : rel === 'package.json' ? 'package.json' : `src/${rel}`);
    for (const i of sr.issues) {
      findings.push({
        id: i.id,
        where: i.file === 'N/A' ? 'N/A (a check over the whole app)' : `${toRepo(i.file)}:${i.location.line}`,
        severity: sev(i),
        description: i.description,
        sample: i.sample,
      });
    }

    // 4. Inline disables: each one must be explained in docs/security.md. The built HTML carries
    //    the source's comments, so a disable there is the one in src/renderer.
    const disables = new Map<string, { file: string; line: number; id: string }>();
    for (const d of [...listDisables(srcStage, toRepo), ...listDisables(join(builtStage, 'renderer'), (r) => `src/renderer/${r}`)]) {
      for (const id of d.ids) if (!disables.has(`${d.file}:${id}`)) disables.set(`${d.file}:${id}`, { file: d.file, line: d.line, id });
    }
    const doc = existsSync(join(REPO, 'docs', 'security.md')) ? readFileSync(join(REPO, 'docs', 'security.md'), 'utf8') : '';
    for (const d of disables.values()) {
      if (!doc.split('\n').some((l) => l.includes(d.id) && l.includes(d.file))) {
        problems.push(`inline disable of ${d.id} in ${d.file}:${d.line} is not explained in docs/security.md (no line there names both ${d.id} and ${d.file})`);
      }
    }

    for (const f of findings) {
      console.log(`\nFINDING ${f.id} [${f.severity}] at ${f.where}${f.built ? ` (built: ${f.built})` : ''}`);
      console.log(`  ${f.description}`);
      if (f.sample) console.log(`  > ${f.sample.trim().split('\n')[0].slice(0, 160)}`);
    }
    for (const p of problems) console.log(`\nERROR ${p}`);
    console.log(
      `\nexcluded checks (need the network): ${Object.values(EXCLUDED)
        .map((r) => r.split(' ')[0])
        .join(', ')}`,
    );
    console.log(
      `inline disables (eng-disable): ${disables.size}${disables.size ? ` (${[...disables.values()].map((d) => `${d.id} at ${d.file}:${d.line}`).join(', ')})` : ''}`,
    );
    console.log(
      `Electronegativity: ${findings.length} finding(s) (built output: ${builtCount}, sources: ${findings.length - builtCount})${problems.length ? `, ${problems.length} error(s)` : ''}`,
    );
    return findings.length || problems.length ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`security:electron: ${(e as Error).message}`);
    process.exit(1);
  },
);
