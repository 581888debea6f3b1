// Shared settings for the fuzz properties: a fixed seed (reproducible in CI), bounded runs, and
// a check that a call neither hangs nor allocates absurdly.
import assert from 'node:assert/strict';
import { OctetError, type ErrorCode } from '../../src/shared/errors';

/** FUZZ_SEED overrides the seed; FUZZ_SCALE multiplies every run count (e.g. 10 for a long soak). */
export const SEED = Number(process.env.FUZZ_SEED ?? 0x0c7e7);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

/**
 * fast-check settings: the fixed seed, scaled runs, no shrinking (a failure prints the case as
 * generated, which keeps a failing CI run short), and a time cap per property.
 */
export function params(numRuns: number): { seed: number; numRuns: number; endOnFailure: boolean; interruptAfterTimeLimit: number } {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: true, interruptAfterTimeLimit: 20_000 * SCALE };
}

/** One call may take at most this long (a hang or a quadratic blow-up fails the property). */
export const MAX_CALL_MS = 2000;
/** ...and may grow the process's ArrayBuffer/external memory by at most this much. */
export const MAX_ALLOC_BYTES = 256 * 2 ** 20;

function external(): number {
  const m = process.memoryUsage();
  return m.arrayBuffers + m.external;
}

/** Runs fn, then checks time and memory; returns its result or the error it threw. */
export function bounded<T>(what: string, fn: () => T): { value?: T; error?: unknown } {
  const mem0 = external();
  const t0 = performance.now();
  let out: { value?: T; error?: unknown };
  try {
    out = { value: fn() };
  } catch (error) {
    out = { error };
  }
  checkBounds(what, t0, mem0);
  return out;
}

/** Neither slow nor allocation-hungry: a parser must refuse absurd input before allocating for it. */
function checkBounds(what: string, t0: number, mem0: number): void {
  const ms = performance.now() - t0;
  assert.ok(ms < MAX_CALL_MS, `${what} took ${Math.round(ms)} ms`);
  const grew = external() - mem0;
  assert.ok(grew < MAX_ALLOC_BYTES, `${what} grew ArrayBuffer memory by ${Math.round(grew / 2 ** 20)} MiB`);
}

export async function boundedAsync<T>(what: string, fn: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const mem0 = external();
  const t0 = performance.now();
  let out: { value?: T; error?: unknown };
  try {
    out = { value: await fn() };
  } catch (error) {
    out = { error };
  }
  checkBounds(what, t0, mem0);
  return out;
}

/** The error must be an OctetError with one of the codes, and a one-line message. */
export function assertOctet(e: unknown, codes: readonly ErrorCode[], what: string): asserts e is OctetError {
  if (!(e instanceof OctetError)) {
    const name = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    assert.fail(`${what} threw ${name}, not an OctetError\n${e instanceof Error ? e.stack : ''}`);
  }
  assert.ok(codes.includes(e.code), `${what} threw ${e.code} (${e.message}), expected ${codes.join('|')}`);
  assert.ok(e.message.length > 0 && !e.message.includes('\n    at '), `${what}: message is empty or holds a stack`);
}

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; bits: number[] }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'bigvarint'; at: number };

/** Applies a mutation; positions are fractions of the length scaled to [0, 1e6), so they fit any input. */
export function mutate(src: Uint8Array, m: Mutation): Uint8Array {
  const pos = (x: number) => Math.floor((x / 1e6) * src.length);
  const b = Buffer.from(src);
  switch (m.kind) {
    case 'truncate':
      return b.subarray(0, pos(m.at));
    case 'flip': {
      for (const bit of m.bits) {
        const i = pos(bit % 1e6);
        if (i < b.length) b[i] ^= 1 << (bit % 8);
      }
      return b;
    }
    case 'overwrite': {
      const at = pos(m.at);
      Buffer.from(m.bytes).copy(b, at);
      return b;
    }
    case 'insert':
      return Buffer.concat([b.subarray(0, pos(m.at)), m.bytes, b.subarray(pos(m.at))]);
    case 'delete':
      return Buffer.concat([b.subarray(0, pos(m.at)), b.subarray(pos(m.at) + m.len)]);
    case 'bigvarint': {
      // A varint of ~2^34: as a length it claims 16 GiB, as a dim it is absurd.
      const at = pos(m.at);
      return Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), b.subarray(at + 1)]);
    }
  }
}

/** FUZZ_TALLY=1: instead of stopping at the first failure, run every case and list each distinct kind of failure once. */
const TALLY = process.env.FUZZ_TALLY === '1';

export class Tally {
  private readonly seen = new Map<string, { count: number; example: string; input: string }>();

  private record(e: unknown, args: unknown[]): void {
    const msg = e instanceof Error ? e.message : String(e);
    const key = msg
      .split('\n')[0]
      .replace(/\d+/g, 'N')
      .replace(/"[^"]*"|'[^']*'/g, 'S')
      .slice(0, 160);
    const hit = this.seen.get(key);
    if (hit) hit.count++;
    else this.seen.set(key, { count: 1, example: msg.split('\n').slice(0, 3).join(' | '), input: fc_stringify(args).slice(0, 300) });
  }

  wrap<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void {
    return (...a) => {
      try {
        fn(...a);
      } catch (e) {
        if (!TALLY) throw e;
        this.record(e, a);
      }
    };
  }

  wrapAsync<A extends unknown[]>(fn: (...a: A) => Promise<void>): (...a: A) => Promise<void> {
    return async (...a) => {
      try {
        await fn(...a);
      } catch (e) {
        if (!TALLY) throw e;
        this.record(e, a);
      }
    };
  }

  /** In tally mode, fails with every distinct failure seen. */
  finish(): void {
    if (this.seen.size === 0) return;
    const lines = [...this.seen.values()].map((v) => `${v.count}× ${v.example}\n    e.g. ${v.input}`);
    assert.fail(`${this.seen.size} distinct failures:\n${lines.join('\n')}`);
  }
}

function fc_stringify(x: unknown): string {
  try {
    return JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? String(v) : v));
  } catch {
    return String(x);
  }
}
