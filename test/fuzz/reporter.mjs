// node:test reporter for the fuzz suite: one line per property, the failure's message (with
// fast-check's seed, path and counterexample), then the plain closing line `N passed, M failed`.
export default async function* reporter(source) {
  let passed = 0;
  let failed = 0;
  const t0 = Date.now();
  for await (const event of source) {
    const { type, data } = event;
    if ((type === 'test:pass' || type === 'test:fail') && data.details?.type !== 'suite') {
      const ms = data.details?.duration_ms ?? 0;
      const where = data.file ? ` [${data.file.split('/').slice(-1)[0]}]` : '';
      if (type === 'test:pass') {
        if (data.skip || data.todo) yield `skip ${data.name}${where}\n`;
        else {
          passed++;
          yield `ok   ${data.name}${where} (${(ms / 1000).toFixed(1)} s)\n`;
        }
      } else {
        failed++;
        // The test error wraps fast-check's report (seed, path, counterexample), which wraps the
        // property's own assertion: print the chain.
        const chain = [];
        for (let e = data.details?.error, depth = 0; e && depth < 5; e = e.cause, depth++) {
          const m = String(e.message ?? e);
          if (!chain.some((c) => c.includes(m))) chain.push(m);
        }
        const msg =
          chain
            .map((m) =>
              m
                .split('\n')
                .filter((l) => l.trim() && !l.startsWith('Hint:'))
                .slice(0, 14)
                .join('\n'),
            )
            .join('\n') || 'failed';
        yield `FAIL ${data.name}${where} (${(ms / 1000).toFixed(1)} s)\n${msg
          .split('\n')
          .slice(0, 40)
          .map((l) => `       ${l}`)
          .join('\n')}\n`;
      }
    } else if (type === 'test:diagnostic' && /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(data.message) === false) {
      yield `# ${data.message}\n`;
    }
  }
  yield `\nfuzz took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`;
  yield `${passed} passed, ${failed} failed\n`;
}
