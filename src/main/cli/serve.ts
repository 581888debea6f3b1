// `octet serve`: browser mode (src/main/server/serve.ts does the work).
import { runServe } from '../server/serve';
import { defineCommand, EXIT } from './command';

export const serveCommand = defineCommand({
  name: 'serve',
  synopsis: '  octet serve [--port P] [--root DIR ...] [--state DIR] [--jobs N]',
  usage: `Usage:
  octet serve [--port P] [--root DIR ...] [--state DIR] [--jobs N]

  Browser mode: the wizard and its API on 127.0.0.1 with a per-run access token (printed URL).
  --root DIR     a folder the page may read and write (repeatable; default: the current folder)
  --port P       the port (default 7317; 0 = any free port)
  --state DIR    settings and work files (default: $OCTET_STATE_DIR, else $XDG_STATE_HOME/octet
                 or ~/.local/state/octet)
  --jobs N       jobs that run at once, 1 to 8 (default 1)
  Ctrl-C stops the server and cancels its jobs (exit ${EXIT.OK}).`,
  flags: { port: { type: 'string' }, root: { type: 'string', multiple: true }, state: { type: 'string' }, jobs: { type: 'string' } },
  parse(v) {
    return { port: v.port, roots: v.root, state: v.state, jobs: v.jobs };
  },
  run: (args) => runServe(args),
});
