// The real browser-mode server (`octet serve` from the built bundle, as a user starts it) and a
// WebSocket client for its API: the same transport, token and Origin the wizard uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ApiEvent, ApiMethod, ApiParams, ApiReply, JobInfo, WsServerFrame } from '../../src/shared/api';
import { wsProtocols } from '../../src/main/server/security';

export const REPO = join(__dirname, '..', '..');

export interface Served {
  child: ChildProcess;
  port: number;
  token: string;
  url: string;
  /** Resolves with the exit code or signal. */
  exited: Promise<string>;
}

/** Starts `node bin/octet.js serve` and waits for the URL it prints. */
export async function startServe(opts: { root: string; state: string; jobs: number; env: NodeJS.ProcessEnv }): Promise<Served> {
  const child = spawn(
    process.execPath,
    [join(REPO, 'bin', 'octet.js'), 'serve', '--port', '0', '--root', opts.root, '--state', opts.state, '--jobs', String(opts.jobs)],
    {
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<string>((r) => child.on('exit', (code, signal) => r(signal ?? `code ${code}`)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`octet serve printed no URL in 30 s:\n${out}\n${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    void exited.then((how) => reject(new Error(`octet serve exited (${how}) before printing a URL:\n${out}\n${err}`)));
  });
  const u = new URL(url);
  return { child, port: Number(u.port), token: u.searchParams.get('token')!, url, exited };
}

type Final = JobInfo & { state: 'succeeded' | 'failed' | 'cancelled' };

/** One WebSocket connection to the API, with every job's events kept by id. */
export class Client {
  private nextId = 1;
  private readonly pending = new Map<number, (r: ApiReply) => void>();
  private readonly finals = new Map<string, Final>();
  private readonly waiters = new Map<string, ((j: Final) => void)[]>();
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  /** Every job id ever seen in an event, and its states in order. */
  readonly states = new Map<string, string[]>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as WsServerFrame;
      if ('event' in f) return this.onEvent(f.event);
      const cb = this.pending.get(f.id);
      this.pending.delete(f.id);
      cb?.(f as ApiReply);
    });
  }

  static connect(s: Served): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api`, wsProtocols(s.token), { origin: `http://127.0.0.1:${s.port}`, maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiReply<M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.ws.readyState !== this.ws.OPEN) return reject(new Error(`the socket is closed (calling ${method})`));
      this.pending.set(id, resolve as (r: ApiReply) => void);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Calls and unwraps; a failed reply throws with its code. */
  async ok<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<Extract<ApiReply<M>, { ok: true }>['result']> {
    const r = await this.call(method, params);
    if (!r.ok) throw new Error(`${method} failed: ${r.error.code}: ${r.error.message}`);
    return r.result;
  }

  subscribe(cb: (e: ApiEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private onEvent(e: ApiEvent): void {
    if (e.type === 'state' || e.type === 'result' || e.type === 'error') {
      const list = this.states.get(e.job.id) ?? [];
      list.push(e.job.state);
      this.states.set(e.job.id, list);
      if (e.type !== 'state') {
        const job = e.job as Final;
        this.finals.set(job.id, job);
        for (const w of this.waiters.get(job.id) ?? []) w(job);
        this.waiters.delete(job.id);
      }
    }
    for (const cb of this.listeners) cb(e);
  }

  /** The job's final snapshot (from its result or error event, so eviction cannot lose it). */
  final(id: string, timeoutMs = 120_000): Promise<Final> {
    const done = this.finals.get(id);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`job ${id} did not finish in ${timeoutMs / 1000} s (states: ${this.states.get(id)?.join(' → ') ?? 'none'})`)),
        timeoutMs,
      );
      const list = this.waiters.get(id) ?? [];
      list.push((j) => {
        clearTimeout(timer);
        resolve(j);
      });
      this.waiters.set(id, list);
    });
  }

  close(): void {
    this.ws.close();
  }
}
