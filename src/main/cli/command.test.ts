import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OctetError } from '../../shared/errors';
import { EXIT, defineCommand, parseCommand, runCommand } from './command';
import { COMMANDS, USAGE } from './main';

const quiet = async <T>(fn: () => Promise<T>): Promise<T> => {
  const [log, error] = [console.log, console.error];
  console.log = console.error = () => undefined;
  try {
    return await fn();
  } finally {
    [console.log, console.error] = [log, error];
  }
};

const failing = (e: unknown) =>
  defineCommand({
    name: 'x',
    synopsis: '  octet x',
    usage: 'Usage: octet x N',
    flags: { n: { type: 'string' } },
    parse: (v) => ({ n: v.n }),
    run: async () => {
      throw e;
    },
  });

test('every command shares the exit codes: cancel 130 (whatever the job), bad usage 2, failure 1', async () => {
  assert.equal(await quiet(() => runCommand(failing(new OctetError('CANCELLED', 'The job was cancelled')), [])), EXIT.CANCELLED);
  assert.equal(await quiet(() => runCommand(failing(new OctetError('BAD_USAGE', 'no')), [])), EXIT.USAGE);
  assert.equal(await quiet(() => runCommand(failing(new OctetError('MODEL_NOT_FOUND', 'no')), [])), EXIT.FAILED);
  assert.equal(await quiet(() => runCommand(failing(new Error('boom')), ['--frobnicate'])), EXIT.USAGE, 'unknown flags are bad usage');
  assert.equal(await quiet(() => runCommand(failing(new Error('boom')), ['--help'])), EXIT.OK);
});

test('parseCommand gives typed flags and recognizes --help and --debug on every command', async () => {
  const cmd = failing(undefined);
  assert.deepEqual(await parseCommand(cmd, ['--n', '3', '--debug']), { help: false, args: { n: '3' } });
  assert.deepEqual(await parseCommand(cmd, ['-h']), { help: true });
  await assert.rejects(parseCommand(cmd, ['--m']), (e: unknown) => e instanceof OctetError && e.code === 'BAD_USAGE');
});

test('octet --help and the README list every command', () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const text = USAGE;
  for (const c of COMMANDS) {
    assert.ok(text.includes(`octet ${c.name} `) || text.includes(`octet ${c.name}\n`), `octet --help lists ${c.name}`);
    assert.match(readme, new RegExp(`^octet ${c.name}\\b`, 'm'), `README's CLI section shows octet ${c.name}`);
    assert.match(c.usage, /^Usage:/, `octet ${c.name} --help`);
  }
  assert.match(text, /130 cancelled/);
});
