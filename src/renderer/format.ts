import { formatBytes, formatPercent } from '../shared/format';

// Numbers as people read them. Sizes and percentages are shared/format.ts's, as in the CLI and the reports.
export const bytes = formatBytes;

export const count = (n: number): string => n.toLocaleString('en-US');

export const ms = (x: number): string => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : x < 100 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);

export const pct = formatPercent;

/** With its sign, so a gain and a loss read differently at a glance. */
export const signed = (x: number, digits = 2): string => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

export const duration = (msec: number): string => {
  const s = Math.round(msec / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
};

export const dims = (d: (number | string | null)[] | null): string => (d ? `[${d.map((x) => (x === null ? '?' : x)).join(', ')}]` : 'unknown');

export const basename = (p: string): string => p.split(/[\\/]/).pop() ?? p;

/** The recipe's range algorithm as the engine reads it (the input type allows aliases such as `entropy`). */
export { actAlgoOf as algoOf } from '../shared/rangeAlgorithms';
