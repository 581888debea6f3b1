#!/usr/bin/env node
// Checks the import graph of the app's source (src/, native/index.ts) against the layers in
// scripts/layers.mjs, on resolved paths (part of `npm run lint`):
//   - no import cycle between units (top-level folders of src/main, src/shared, src/renderer,
//     native), and none between files through imports that remain at run time;
//   - no import from a unit's own layer or a layer above it;
//   - no app code importing dev code (test/, bench/, scripts/ …);
//   - every src/main folder is in the table.
// Test files (*.test.ts) are left out: nothing imports them, and an integration test may import
// from above the code it tests. Imports are read from TypeScript's own parse (static and
// dynamic imports, export … from, require, import types); between units, type-only imports
// count like any other.
//   node scripts/check-layers.mjs            exit 1 on any finding
//   node scripts/check-layers.mjs --graph    also print the unit graph
//   node scripts/check-layers.mjs --root DIR check another tree (the tests use small ones)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { LAYERS, allowedImports, layerOf } from './layers.mjs';

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rel = (p) => relative(root, p).split(sep).join('/');
const isTest = (p) => /\.test\.tsx?$/.test(p);
const isSource = (p) => /\.tsx?$/.test(p) && !p.endsWith('.d.ts');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (isSource(p) && !isTest(p)) out.push(p);
  }
  return out;
}

/** The unit a repository path belongs to; `dev:<folder>` for anything outside the app. */
function unitOf(path) {
  const parts = rel(path).split('/');
  if (parts[0] === 'src' && (parts[1] === 'shared' || parts[1] === 'renderer')) return parts[1];
  if (parts[0] === 'src' && parts[1] === 'main') return parts.length > 3 ? parts[2] : 'main';
  if (parts[0] === 'native' && parts.length === 2) return 'native';
  return `dev:${parts.slice(0, parts[0] === 'native' ? 2 : 1).join('/')}`;
}

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const p of [base, `${base}.ts`, `${base}.tsx`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/** Module specifiers a file imports, and whether each import is type-only (erased at run time). */
function importsOf(file) {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    false,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const out = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = ts.isImportDeclaration(node) ? node.importClause : node;
      const named = ts.isImportDeclaration(node) ? clause?.namedBindings : node.exportClause;
      const allTypes =
        !!named && (ts.isNamedImports(named) || ts.isNamedExports(named)) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      const typeOnly = !!clause?.isTypeOnly || (allTypes && !(ts.isImportDeclaration(node) && clause?.name));
      out.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require'))
        out.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const files = [...walk(join(root, 'src')), ...[join(root, 'native/index.ts')].filter((f) => existsSync(f))];
/** file → resolved files it imports, with the specifier as written. */
const imports = new Map();
const findings = [];
for (const file of files) {
  const targets = [];
  for (const { spec, typeOnly } of importsOf(file)) {
    if (!spec.startsWith('.')) continue;
    const target = resolveImport(file, spec);
    if (!target) {
      findings.push(`${rel(file)}: cannot resolve '${spec}'`);
      continue;
    }
    // The version comes from the manifest; a JSON file is data, not a layer.
    if (rel(target) === 'package.json') continue;
    targets.push({ target, spec, typeOnly });
  }
  imports.set(file, targets);
}

const known = new Set([...LAYERS.flat(), 'renderer']);
const unitEdges = new Map(); // "a>b" → example "file: spec"
for (const [file, targets] of imports) {
  const from = unitOf(file);
  if (!known.has(from)) {
    findings.push(`${rel(file)}: '${from}' is not in the layer table (scripts/layers.mjs); add its folder to LAYERS`);
    continue;
  }
  for (const { target, spec } of targets) {
    const to = unitOf(target);
    if (to === from) continue;
    const key = `${from}>${to}`;
    if (!unitEdges.has(key)) unitEdges.set(key, `${rel(file)}: '${spec}'`);
    if (to.startsWith('dev:')) {
      findings.push(`${rel(file)} imports '${spec}': app code may not import dev code (${to.slice(4)}/)`);
    } else if (!allowedImports(from).includes(to)) {
      const where =
        from === 'renderer'
          ? 'the renderer may import only src/shared'
          : `${from} (layer ${layerOf(from)}) may import only ${allowedImports(from).join(', ') || 'nothing'}`;
      findings.push(`${rel(file)} imports '${spec}' (${to}, layer ${layerOf(to) ?? '-'}): ${where}`);
    }
  }
}

/** Strongly connected components of more than one node, or with a self-loop (Tarjan). */
function cycles(nodes, next) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  function visit(v) {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of next(v)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      for (let w; w !== v;) {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      }
      if (scc.length > 1 || next(v).includes(v)) out.push(scc.reverse());
    }
  }
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return out;
}

const units = [...new Set([...unitEdges.keys()].flatMap((k) => k.split('>')))];
const unitNext = (u) => [...unitEdges.keys()].filter((k) => k.startsWith(`${u}>`)).map((k) => k.split('>')[1]);
for (const scc of cycles(units, unitNext)) {
  const members = new Set(scc);
  const edges = [...unitEdges].filter(([k]) => k.split('>').every((u) => members.has(u)));
  findings.push(`import cycle between ${scc.join(', ')}:\n${edges.map(([k, ex]) => `    ${k.replace('>', ' -> ')}  (${ex})`).join('\n')}`);
}
// Between files only imports that stay at run time count: a cycle of type-only imports is erased.
const fileNext = (f) => (imports.get(f) ?? []).filter((t) => !t.typeOnly && imports.has(t.target)).map((t) => t.target);
for (const scc of cycles(files, fileNext)) {
  findings.push(`import cycle between files:\n${scc.map((f) => `    ${rel(f)}`).join('\n')}`);
}

if (process.argv.includes('--graph')) {
  for (const [k, ex] of [...unitEdges].sort()) console.log(`${k.replace('>', ' -> ').padEnd(24)} ${ex}`);
}
if (findings.length) {
  console.error(`check-layers: ${findings.length} finding(s); the layers are in scripts/layers.mjs and docs/architecture.md ("Layers")`);
  for (const f of findings) console.error(`  ${f}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, ${unitEdges.size} imports between ${units.length} units, no cycle, no upward import`);
