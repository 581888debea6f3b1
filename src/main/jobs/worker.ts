// Worker entry: an Electron utility process (process.parentPort) or a forked Node process
// (process.send). It runs one job and reports progress, logs and the result or error.
import { toErrorInfo } from '../../shared/errors';
import type { HostMessage, JobKind, JobResultMessage, JobSpecOf, WorkerMessage } from '../../shared/jobs';
import { runJob } from './runJob';

interface ParentPort {
  on(event: 'message', cb: (e: { data: HostMessage }) => void): void;
  postMessage(msg: WorkerMessage): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(msg: WorkerMessage): void {
  if (parentPort) parentPort.postMessage(msg);
  else process.send?.(msg);
}

const aborts = new Map<string, AbortController>();

async function onMessage(msg: HostMessage): Promise<void> {
  if (msg.type === 'cancel') {
    aborts.get(msg.jobId)?.abort();
    return;
  }
  const { jobId, spec } = msg;
  const abort = new AbortController();
  aborts.set(jobId, abort);
  try {
    // A JobResultMessage<K> is one member of WorkerMessage's union; TypeScript cannot see that for a generic K.
    send((await run(jobId, spec, abort.signal)) as WorkerMessage);
  } catch (e) {
    send({ type: 'error', jobId, error: toErrorInfo(e) });
  } finally {
    aborts.delete(jobId);
  }
}

/** Runs the job and answers with its result, tagged with its kind. */
async function run<K extends JobKind>(jobId: string, spec: JobSpecOf<K>, signal: AbortSignal): Promise<JobResultMessage<K>> {
  const result = await runJob(spec, {
    signal,
    onProgress: (progress) => send({ type: 'progress', jobId, progress }),
    onLog: (line) => send({ type: 'log', jobId, line }),
  });
  return { type: 'result', jobId, kind: spec.kind, result };
}

if (parentPort) parentPort.on('message', (e) => void onMessage(e.data));
else process.on('message', (m) => void onMessage(m as HostMessage));
// A host that dies must not leave this process behind.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
