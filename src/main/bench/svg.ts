// Tiny inline-SVG charts for the self-contained HTML report: no scripts, no external assets.
import { esc } from '../../shared/html';

export const COLORS = { fp32: '#4c78a8', int8: '#f58518', good: '#54a24b', warn: '#e6a700', bad: '#e45756', grid: '#ddd', text: '#333', muted: '#888' };

/** A readable number with about 3 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '-∞' : 'n/a';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Tick labels with as many decimals as the step needs. */
function tickLabels(vals: number[]): string[] {
  const step = vals.length > 1 ? Math.abs(vals[1] - vals[0]) : Math.abs(vals[0]) || 1;
  const dec = Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  const extra = vals.some((v) => Math.abs(v * 10 ** dec - Math.round(v * 10 ** dec)) > 1e-6) ? 1 : 0;
  return vals.map((v) => v.toFixed(dec + extra));
}

function svgOpen(w: number, h: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}" font-family="system-ui, sans-serif" font-size="11"><title>${esc(title)}</title>`;
}

function legend(items: { label: string; color: string }[], x: number, y: number): string {
  return items
    .map(
      (it, i) =>
        `<rect x="${x + i * 90}" y="${y - 9}" width="10" height="10" fill="${it.color}"/><text x="${x + i * 90 + 14}" y="${y}" fill="${COLORS.text}">${esc(it.label)}</text>`,
    )
    .join('');
}

export interface Series {
  label: string;
  color: string;
  values: number[];
}

/** Overlaid histograms of several samples on shared bins (outliers clipped into the last bin). */
export function histogramChart(
  title: string,
  series: Series[],
  opts: { unit?: string; bins?: number; markers?: { value: number; color: string; label: string }[] } = {},
): string {
  const W = 640;
  const H = 240;
  const m = { l: 48, r: 12, t: 28, b: 36 };
  const all = series
    .flatMap((s) => s.values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (all.length === 0) return '';
  const lo = all[0];
  const q = (f: number) => all[Math.min(all.length - 1, Math.floor(all.length * f))];
  // Outliers (a noisy machine's stalls) would squash the body of the distribution: clip them.
  const hi = Math.min(q(0.99), lo + (q(0.95) - lo) * 2.5) || lo + 1;
  const span = hi > lo ? hi - lo : Math.abs(lo) * 0.1 || 1;
  const clipped = all.filter((v) => v > lo + span).length;
  const nb = opts.bins ?? 40;
  const counts = series.map((s) => {
    const c = new Array<number>(nb).fill(0);
    for (const v of s.values) if (Number.isFinite(v)) c[Math.min(nb - 1, Math.max(0, Math.floor(((v - lo) / span) * nb)))]++;
    return c.map((x) => x / Math.max(1, s.values.length));
  });
  const ymax = Math.max(...counts.flat(), 1e-9);
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const x = (v: number) => m.l + ((v - lo) / span) * pw;
  const y = (f: number) => m.t + ph - (f / ymax) * ph;
  let out = svgOpen(W, H, title);
  out += `<text x="${m.l}" y="14" font-weight="600" fill="${COLORS.text}">${esc(title)}</text>`;
  const xt = ticks(lo, lo + span);
  tickLabels(xt).forEach(
    (label, i) =>
      (out += `<line x1="${x(xt[i])}" x2="${x(xt[i])}" y1="${m.t}" y2="${m.t + ph}" stroke="${COLORS.grid}"/><text x="${x(xt[i])}" y="${H - m.b + 14}" text-anchor="middle" fill="${COLORS.muted}">${label}</text>`),
  );
  if (clipped > 0)
    out += `<text x="${W - m.r}" y="${m.t + 12}" text-anchor="end" fill="${COLORS.muted}">${esc(`${clipped} run${clipped === 1 ? '' : 's'} above ${fmt(lo + span)} counted in the last bin`)}</text>`;
  for (const t of ticks(0, ymax, 4)) out += `<text x="${m.l - 4}" y="${y(t) + 4}" text-anchor="end" fill="${COLORS.muted}">${Math.round(t * 100)}%</text>`;
  const bw = pw / nb;
  counts.forEach((c, si) => {
    const col = series[si].color;
    c.forEach((f, i) => {
      if (f > 0)
        out += `<rect x="${(m.l + i * bw).toFixed(1)}" y="${y(f).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(m.t + ph - y(f)).toFixed(1)}" fill="${col}" fill-opacity="0.55"/>`;
    });
  });
  for (const mk of opts.markers ?? []) {
    if (mk.value < lo || mk.value > lo + span) continue;
    out += `<line x1="${x(mk.value)}" x2="${x(mk.value)}" y1="${m.t}" y2="${m.t + ph}" stroke="${mk.color}" stroke-width="2" stroke-dasharray="4 3"><title>${esc(mk.label)}</title></line>`;
  }
  out += `<text x="${m.l + pw / 2}" y="${H - 4}" text-anchor="middle" fill="${COLORS.text}">${esc(opts.unit ?? '')}</text>`;
  out += legend(
    series.map((s) => ({ label: s.label, color: s.color })),
    W - m.r - 90 * series.length,
    14,
  );
  return out + '</svg>';
}

/** Grouped vertical bars: one group per category, one bar per series; optional reference line. */
export function groupedBarChart(
  title: string,
  categories: string[],
  series: Series[],
  opts: { unit?: string; reference?: { value: number; label: string }; yMin?: number } = {},
): string {
  const W = 640;
  const H = 260;
  const m = { l: 52, r: 12, t: 28, b: 44 };
  const vals = series.flatMap((s) => s.values).filter(Number.isFinite);
  if (vals.length === 0) return '';
  const ref = opts.reference?.value;
  const lo0 = opts.yMin ?? Math.min(0, ...vals, ref ?? 0);
  const hi0 = Math.max(0, ...vals, ref ?? 0);
  const pad = (hi0 - lo0) * 0.12 || 1;
  const hi = hi0 + pad;
  const lo = opts.yMin ?? (lo0 < 0 ? lo0 - pad : lo0);
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const y = (v: number) => m.t + ph - ((v - lo) / (hi - lo)) * ph;
  const gw = pw / categories.length;
  const bw = Math.min(48, (gw * 0.8) / series.length);
  let out = svgOpen(W, H, title);
  out += `<text x="${m.l}" y="14" font-weight="600" fill="${COLORS.text}">${esc(title)}</text>`;
  const yt = ticks(lo, hi, 5);
  tickLabels(yt).forEach(
    (label, i) =>
      (out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(yt[i])}" y2="${y(yt[i])}" stroke="${COLORS.grid}"/><text x="${m.l - 4}" y="${y(yt[i]) + 4}" text-anchor="end" fill="${COLORS.muted}">${label}</text>`),
  );
  const base = Math.min(hi, Math.max(0, lo));
  categories.forEach((c, ci) => {
    const gx = m.l + ci * gw + (gw - bw * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (!Number.isFinite(v)) return;
      const top = Math.min(y(v), y(base));
      const h = Math.abs(y(v) - y(base));
      out += `<rect x="${(gx + si * bw).toFixed(1)}" y="${top.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${Math.max(1, h).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.label} ${c}: ${fmt(v)}${opts.unit ? ` ${opts.unit}` : ''}`)}</title></rect>`;
      const ly = v >= base ? top - 3 : top + Math.max(1, h) + 11;
      out += `<text x="${(gx + si * bw + bw / 2 - 1).toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="middle" fill="${COLORS.text}" font-size="10">${fmt(v)}</text>`;
    });
    out += `<text x="${m.l + ci * gw + gw / 2}" y="${H - m.b + 14}" text-anchor="middle" fill="${COLORS.text}">${esc(c)}</text>`;
  });
  if (ref !== undefined)
    out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(ref)}" y2="${y(ref)}" stroke="${COLORS.bad}" stroke-dasharray="5 4"/><text x="${W - m.r}" y="${y(ref) - 4}" text-anchor="end" fill="${COLORS.bad}">${esc(opts.reference!.label)}</text>`;
  if (opts.unit)
    out += `<text x="12" y="${m.t + ph / 2}" transform="rotate(-90 12 ${m.t + ph / 2})" text-anchor="middle" fill="${COLORS.text}">${esc(opts.unit)}</text>`;
  if (series.length > 1)
    out += legend(
      series.map((s) => ({ label: s.label, color: s.color })),
      W - m.r - 90 * series.length,
      H - 6,
    );
  return out + '</svg>';
}

/** Horizontal bars, one row per item (e.g. per-layer SQNR), colour from `color(value)`. */
export function horizontalBarChart(
  title: string,
  items: { label: string; value: number; note?: string }[],
  opts: { unit?: string; color?: (v: number) => string; max?: number } = {},
): string {
  if (items.length === 0) return '';
  const row = 16;
  const W = 640;
  const m = { l: 230, r: 70, t: 28, b: 24 };
  const H = m.t + m.b + row * items.length;
  const finite = items.map((i) => i.value).filter(Number.isFinite);
  const hi = opts.max ?? Math.max(1, ...finite);
  const lo = Math.min(0, ...finite);
  const pw = W - m.l - m.r;
  const x = (v: number) => m.l + ((Math.min(hi, Math.max(lo, Number.isFinite(v) ? v : hi)) - lo) / (hi - lo)) * pw;
  let out = svgOpen(W, H, title);
  out += `<text x="8" y="14" font-weight="600" fill="${COLORS.text}">${esc(title)}</text>`;
  const ht = ticks(lo, hi, 5);
  tickLabels(ht).forEach(
    (label, i) =>
      (out += `<line x1="${x(ht[i])}" x2="${x(ht[i])}" y1="${m.t}" y2="${H - m.b}" stroke="${COLORS.grid}"/><text x="${x(ht[i])}" y="${H - m.b + 14}" text-anchor="middle" fill="${COLORS.muted}">${label}</text>`),
  );
  items.forEach((it, i) => {
    const yy = m.t + i * row;
    const label = it.label.length > 34 ? `${it.label.slice(0, 15)}…${it.label.slice(-18)}` : it.label;
    const col = opts.color?.(it.value) ?? COLORS.fp32;
    out += `<text x="${m.l - 6}" y="${yy + 12}" text-anchor="end" fill="${COLORS.text}">${esc(label)}<title>${esc(it.label)}</title></text>`;
    out += `<rect x="${x(0)}" y="${yy + 2}" width="${Math.max(1, x(it.value) - x(0)).toFixed(1)}" height="${row - 4}" fill="${col}"><title>${esc(`${it.label}: ${fmt(it.value)}${opts.unit ? ` ${opts.unit}` : ''}${it.note ? ` (${it.note})` : ''}`)}</title></rect>`;
    out += `<text x="${(x(it.value) + 4).toFixed(1)}" y="${yy + 12}" fill="${COLORS.text}">${fmt(it.value)}${opts.unit ? ` ${esc(opts.unit)}` : ''}</text>`;
  });
  return out + '</svg>';
}

/** A line of per-round values (e.g. int8/fp32 ratio per A/B round) with a reference line. */
export function lineChart(title: string, values: number[], opts: { reference?: number; referenceLabel?: string; unit?: string } = {}): string {
  const vals = values.filter(Number.isFinite);
  if (vals.length === 0) return '';
  const W = 640;
  const H = 200;
  const m = { l: 48, r: 12, t: 28, b: 30 };
  const lo = Math.min(...vals, opts.reference ?? Infinity) * 0.95;
  const hi = Math.max(...vals, opts.reference ?? -Infinity) * 1.05;
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const x = (i: number) => m.l + (values.length > 1 ? (i / (values.length - 1)) * pw : pw / 2);
  const y = (v: number) => m.t + ph - ((v - lo) / (hi - lo || 1)) * ph;
  let out = svgOpen(W, H, title);
  out += `<text x="${m.l}" y="14" font-weight="600" fill="${COLORS.text}">${esc(title)}</text>`;
  const lt = ticks(lo, hi, 4);
  tickLabels(lt).forEach(
    (label, i) =>
      (out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(lt[i])}" y2="${y(lt[i])}" stroke="${COLORS.grid}"/><text x="${m.l - 4}" y="${y(lt[i]) + 4}" text-anchor="end" fill="${COLORS.muted}">${label}</text>`),
  );
  if (opts.reference !== undefined)
    out += `<line x1="${m.l}" x2="${W - m.r}" y1="${y(opts.reference)}" y2="${y(opts.reference)}" stroke="${COLORS.bad}" stroke-dasharray="5 4"/><text x="${W - m.r}" y="${y(opts.reference) - 4}" text-anchor="end" fill="${COLORS.bad}">${esc(opts.referenceLabel ?? '')}</text>`;
  const pts = values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean);
  out += `<polyline points="${pts.join(' ')}" fill="none" stroke="${COLORS.int8}" stroke-width="1.5"/>`;
  out += `<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" fill="${COLORS.text}">${esc(opts.unit ?? '')}</text>`;
  return out + '</svg>';
}
