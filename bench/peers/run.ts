// npm run bench:peers [-- --only mnist-8,ultraface,minilm] [--tools octet,ort,nncf,inc] [--latency-seconds S] [--out DIR]
//
// Quantizes mnist-8, ultraface, MiniLM and the synthetic models with Octet and with the Python peers
// (ORT quantize_static, NNCF, INC), then measures every int8 model with Octet's own harness in
// this one process and writes one table to bench/results/peers-YYYY-MM-DD.{md,json}.
// bench/peers/README.md says what each column means.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuFeatures } from '../../native';
import { prepareCases, type ModelCase } from './cases';
import { checkAndCompare, headToHead, latencyRoundRobin, type HeadToHead, type Measured } from './measure';
import { applicableTools, quantizeWith, TOOLS, toolKey, type QuantRun, type ToolSpec } from './runTools';
import { ensureVenv, type Venv } from './venv';
import { isDynamic, renderMarkdown, renderTable, renderVerdictLines, verdicts, type Row } from './table';

const root = resolve(__dirname, '..', '..');
const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const only = flag('--only')?.split(',');
const toolFilter = flag('--tools')?.split(',');
const latencySeconds = Number(flag('--latency-seconds') ?? 60);
const outDir = resolve(flag('--out') ?? join(root, 'bench', 'results'));
const QUANT_TIMEOUT_MS = 10 * 60_000;
const log = (s: string) => console.error(s);

/** Which requirements.txt group a tool needs. */
const GROUP: Record<ToolSpec['tool'], string | undefined> = { octet: undefined, ort: 'core', nncf: 'nncf', inc: 'inc' };

function gitDescribe(): string {
  const r = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown (not a git checkout)';
}

const applicable = applicableTools;

async function main(): Promise<void> {
  const started = performance.now();
  const loadStart = loadavg()[0];
  if (!existsSync(join(root, 'dist', 'cli.cjs'))) throw new Error("bench:peers runs Octet's built CLI: run 'npm run build' first");
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  if (!timeBin) log('warning: GNU time is missing (apt-get install -y time): no peak RSS or wall time');
  const cpu = cpuFeatures();

  const tools = TOOLS.filter((t) => !toolFilter || toolFilter.includes(t.tool));
  let venv: Venv | undefined;
  let venvError: string | undefined;
  if (tools.some((t) => t.tool !== 'octet')) {
    try {
      venv = ensureVenv(root, log);
    } catch (e) {
      venvError = (e as Error).message;
      log(`Python venv: ${venvError}`);
    }
  }

  const work = join(root, 'bench', '.work', 'peers');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'int8'), { recursive: true });
  const cases = await prepareCases(root, work, only, log);

  // 1. Quantize: one process per (model, tool), one at a time so times and RSS are clean.
  const quant = new Map<string, QuantRun>();
  for (const c of cases) {
    log(`${c.name}: quantizing (${c.calibSamples} calibration samples)`);
    for (const t of applicable(tools, c)) {
      const group = GROUP[t.tool];
      let r: QuantRun;
      if (group && !venv) r = { ok: false, reason: `Python venv: ${venvError}`, notes: [], output: '' };
      else if (group && !venv!.groups[group]?.ok)
        r = { ok: false, reason: venv!.groups[group]?.reason ?? `no '${group}' group in requirements.txt`, notes: [], output: '' };
      else r = await quantizeWith(t, c, { root, work, python: venv?.python, timeBin, timeoutMs: QUANT_TIMEOUT_MS });
      quant.set(`${c.name}/${toolKey(t)}`, r);
      log(
        `  ${t.label.padEnd(38)} ${r.ok ? 'ok' : `FAILED: ${r.reason}`}${r.seconds !== undefined ? ` ${r.seconds.toFixed(1)} s` : ''}${r.peakRssMiB ? `, ${r.peakRssMiB.toFixed(0)} MiB` : ''}`,
      );
    }
  }

  // 2. Measure with Octet's harness: validity and fidelity per model, then latency round-robin.
  const rows: Row[] = [];
  for (const c of cases) {
    log(`${c.name}: measuring`);
    const measured = new Map<string, Measured>();
    for (const t of applicable(tools, c)) {
      const q = quant.get(`${c.name}/${toolKey(t)}`)!;
      if (!q.ok) continue;
      try {
        measured.set(toolKey(t), await checkAndCompare(c, q.output, log));
      } catch (e) {
        measured.set(toolKey(t), { valid: false, reason: `measuring failed: ${(e as Error).message.split('\n')[0]}` });
      }
    }
    const valid = new Map([...measured].filter(([, m]) => m.valid).map(([k]) => [k, quant.get(`${c.name}/${k}`)!.output]));
    const lat = await latencyRoundRobin(c, valid, { budgetMs: latencySeconds * 1000, minRounds: 20, maxRounds: 1000 }, log);
    for (const t of applicable(tools, c)) {
      const q = quant.get(`${c.name}/${toolKey(t)}`)!;
      const m = measured.get(toolKey(t));
      if (m && lat.has(toolKey(t))) m.latency = lat.get(toolKey(t));
      rows.push({ model: c.name, metric: c.metric, tool: t, quant: q, measured: m });
    }
  }

  const date = new Date().toISOString().slice(0, 10);
  const env = {
    date,
    cpu: { model: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), ...cpu },
    node: process.version,
    octetGit: gitDescribe(),
    onnxruntimeNode: (require('onnxruntime-node/package.json') as { version: string }).version,
    python: venv?.versions ?? {},
    pythonGroups: venv?.groups ?? {},
    minutes: 0,
    /** 1-minute load average when the run started and when it ended (the machine has 2 cores and is shared). */
    load: { start: loadStart, end: 0 },
    cases: cases.map((c: ModelCase) => ({ name: c.name, calibration: c.calibDescription, evaluation: c.evalDescription, notRun: c.skipTools })),
  };
  env.minutes = Math.round((performance.now() - started) / 600) / 100;
  env.load.end = loadavg()[0];
  // 3. Octet against the fastest peer, timed against each other (see headToHead).
  const h2h = new Map<string, HeadToHead>();
  for (const v of verdicts(rows)) {
    const c = cases.find((x) => x.name === v.model)!;
    const peer = rows.find((r) => r.model === v.model && r.tool.label === v.bestPeerSpeed?.tool);
    const octet = rows.find((r) => r.model === v.model && r.tool.tool === 'octet' && r.tool.variant === 'default')?.quant;
    if (!peer || !v.octet || !octet?.ok) continue;
    log(`${v.model}: Octet against ${peer.tool.label}, head to head`);
    h2h.set(v.model, await headToHead(c, octet.output, { tool: peer.tool.label, path: peer.quant.output }, (latencySeconds * 1000) / 4));
  }
  // 4. Octet against ORT's quantize_dynamic, head to head, when it is not the fastest peer already.
  const h2hDynamic = new Map<string, HeadToHead>();
  for (const c of cases) {
    const dyn = rows.find((r) => r.model === c.name && isDynamic(r) && r.quant.ok && r.measured?.valid);
    const octet = rows.find((r) => r.model === c.name && r.tool.tool === 'octet' && r.tool.variant === 'default' && r.quant.ok && r.measured?.valid)?.quant;
    if (!dyn || !octet || h2h.get(c.name)?.tool === dyn.tool.label) continue;
    log(`${c.name}: Octet against ${dyn.tool.label}, head to head`);
    h2hDynamic.set(c.name, await headToHead(c, octet.output, { tool: dyn.tool.label, path: dyn.quant.output }, (latencySeconds * 1000) / 4));
  }
  env.minutes = Math.round((performance.now() - started) / 600) / 100;
  env.load.end = loadavg()[0];
  const verdict = verdicts(rows, h2h, h2hDynamic);
  console.log(renderTable(rows, env));
  console.log(`\nOctet against the best peer (int8/fp32 latency, lower is faster):\n${renderVerdictLines(rows, verdict)}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `peers-${date}.md`), renderMarkdown(rows, env, verdict));
  // Paths relative to the repo, so the committed file does not carry this machine's layout.
  const relative = (_k: string, v: unknown) => (typeof v === 'string' ? v.split(`${root}/`).join('') : v);
  const json = {
    ...env,
    verdicts: verdict,
    rows: rows.map((r) => ({ model: r.model, tool: r.tool.label, key: toolKey(r.tool), quant: r.quant, measured: r.measured })),
  };
  writeFileSync(join(outDir, `peers-${date}.json`), JSON.stringify(json, relative, 2) + '\n');
  log(`wrote ${join(outDir, `peers-${date}.md`)} and .json (${env.minutes} min)`);
}

main().catch((e) => {
  console.error(`bench:peers: ${(e as Error).message}`);
  process.exit(1);
});
