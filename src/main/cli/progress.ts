import type { ProgressEvent } from '../../shared/jobs';
import { formatMs } from '../../shared/format';

/** Progress on stderr: a redrawn bar on a TTY, a line per phase (and per 10%) elsewhere. */
export function progressPrinter(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY;
  let lastPhase = '';
  let lastDecile = -1;
  let drawn = false;
  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(p: ProgressEvent): void {
      const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const eta = p.etaMs !== undefined && p.done < p.total ? ` ETA ${formatMs(p.etaMs)}` : '';
      if (tty) {
        const width = 28;
        const filled = Math.round(frac * width);
        stream.write(`\r\x1b[2K${p.phase.padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}${eta}`);
        drawn = true;
        return;
      }
      const decile = Math.floor(frac * 10);
      if (p.phase !== lastPhase || (decile !== lastDecile && p.total > 1)) {
        stream.write(`${p.phase} ${p.done}/${p.total}${eta}\n`);
        lastPhase = p.phase;
        lastDecile = decile;
      }
    },
    log(line: string): void {
      clear();
      stream.write(`${line}\n`);
    },
    done(): void {
      clear();
    },
  };
}
