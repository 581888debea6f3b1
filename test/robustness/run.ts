// The robustness suite: `npm run test:robustness` (builds first). Generates the bad-input corpus
// (test/fixtures/bad/make.ts), runs every case in cases.ts through the real built CLI and ends
// with the plain line `N passed, M failed`; exits 1 on any failure.
//
//   npx tsx test/robustness/run.ts [--jobs N] [--only SUBSTRING ...] [--list] [--keep]
//
// Needs the bundles (npm run build) and the native addon (npm run build:native). As root it
// mounts small tmpfs folders for the read-only and full-disk cases (see README in
// test/fixtures/bad for the fallbacks).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CORPUS_DIR, makeCorpus, manifest } from '../fixtures/bad/make';
import { allCases, type Case, type Ctx, type Outcome } from './cases';
import { OCTET_BIN, REPO, ensureDir, newToken, sleep, unmount } from './harness';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string' },
    only: { type: 'string', multiple: true },
    list: { type: 'boolean' },
    keep: { type: 'boolean' },
  },
});

interface Result extends Outcome {
  c: Case;
  ms: number;
}

function fmt(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function print(r: Result): void {
  const tag = r.skipped ? 'skip' : r.problems.length ? 'FAIL' : 'ok  ';
  const code = r.code ? ` ${r.code}` : '';
  const note = r.note ? ` [${r.note}]` : '';
  console.log(`${tag} ${r.c.id}${code} (${fmt(r.ms)})${note}`);
  if (r.skipped) console.log(`       skipped: ${r.skipped}`);
  for (const p of r.problems) console.log(`       - ${p}`);
}

/** mtime and size of the bundles: another build rewriting dist/ mid-case breaks the CLI it loads. */
function distStamp(): string {
  return ['cli.cjs', 'worker.cjs']
    .map((f) => {
      const st = statSync(join(REPO, 'dist', f), { throwIfNoEntry: false });
      return st ? `${st.mtimeMs}:${st.size}` : 'absent';
    })
    .join(' ');
}

async function distSettled(): Promise<void> {
  for (let prev = distStamp(); ;) {
    await sleep(2000);
    const now = distStamp();
    if (now === prev) return;
    prev = now;
  }
}

async function runOne(c: Case, base: string, corpus: Ctx['c']): Promise<Result> {
  const started = performance.now();
  let outcome: Outcome = { problems: [] };
  const reruns: string[] = [];
  // A case that fails while dist/ was being rebuilt (by another build on this machine; never in
  // CI) ran a half-written bundle: it is run again once the build has settled.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const root = ensureDir(join(base, attempt === 1 ? c.id : `${c.id}-${attempt}`));
    const ctx: Ctx = { c: corpus, dir: ensureDir(join(root, 'work')), tmp: ensureDir(join(root, 'tmp')), token: newToken() };
    const before = distStamp();
    try {
      outcome = await c.run(ctx);
    } catch (e) {
      outcome = { problems: [`the case itself threw: ${(e as Error).stack ?? e}`] };
    }
    if (!outcome.problems.length || distStamp() === before) break;
    reruns.push(`run ${attempt + 1}: dist/ was rebuilt during run ${attempt}`);
    await distSettled();
  }
  const note = [outcome.note, ...reruns].filter(Boolean).join('; ') || undefined;
  const r = { ...outcome, note, c, ms: performance.now() - started };
  print(r);
  return r;
}

/** Unmounts anything a failed case left mounted under base, so the folder can be removed. */
function unmountUnder(base: string): void {
  let mounts: string[] = [];
  try {
    mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m) => m?.startsWith(base));
  } catch {
    return;
  }
  for (const m of mounts.reverse()) unmount(m);
}

async function main(): Promise<number> {
  let cases = allCases();
  if (values.only?.length) cases = cases.filter((c) => values.only!.some((o) => c.id.includes(o)));
  if (values.list) {
    for (const c of cases) console.log(`${c.id.padEnd(40)} ${c.what}`);
    return 0;
  }
  if (!existsSync(join(REPO, 'dist', 'cli.cjs')) || !existsSync(join(REPO, 'dist', 'worker.cjs'))) {
    console.error(`robustness: dist/cli.cjs or dist/worker.cjs missing; run 'npm run build' first (npm run test:robustness does)`);
    return 1;
  }
  const t0 = performance.now();
  const corpus = makeCorpus(DEFAULT_CORPUS_DIR);
  const corpusBefore = JSON.stringify(manifest(corpus.dir));
  const base = mkdtempSync(join(tmpdir(), 'octet-robustness-'));
  const jobs = Math.max(1, Number(values.jobs ?? Math.min(2, cpus().length)));
  console.log(`robustness: ${cases.length} cases through ${OCTET_BIN}, ${jobs} at a time; corpus in ${corpus.dir}`);

  const results: Result[] = [];
  try {
    const queue = cases.filter((c) => !c.serial);
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) results.push(await runOne(c, base, corpus));
      }),
    );
    for (const c of cases.filter((c) => c.serial)) results.push(await runOne(c, base, corpus));
  } finally {
    unmountUnder(base);
    if (!values.keep) rmSync(base, { recursive: true, force: true });
  }

  // The corpus is every case's input: after the whole run it must be byte-identical.
  const started = performance.now();
  const after = JSON.stringify(manifest(corpus.dir));
  const corpusCase: Case = { id: 'corpus-unchanged', what: 'every corpus file byte-identical after the run', run: async () => ({ problems: [] }) };
  const corpusResult: Result = {
    c: corpusCase,
    ms: performance.now() - started,
    problems: after === corpusBefore ? [] : ['a case changed the bad-input corpus (manifest sha256s differ)'],
  };
  print(corpusResult);
  results.push(corpusResult);

  const failed = results.filter((r) => !r.skipped && r.problems.length);
  const skipped = results.filter((r) => r.skipped);
  const passed = results.length - failed.length - skipped.length;
  console.log('');
  if (failed.length) console.log(`failed: ${failed.map((r) => r.c.id).join(', ')}`);
  if (skipped.length) console.log(`${skipped.length} skipped: ${skipped.map((r) => `${r.c.id} (${r.skipped})`).join('; ')}`);
  console.log(`robustness took ${fmt(performance.now() - t0)}`);
  console.log(`${passed} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

void main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
