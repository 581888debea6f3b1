import { Bar, BarChart, CartesianGrid, LabelList, Rectangle, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BenchResult } from '../../shared/bench';
import { pct, signed } from '../format';

export const GOOD_COLOR = '#1b8a5a';
export const BAD_COLOR = '#c93c3c';

export interface ToleranceRow {
  name: string;
  /** int8 minus fp32, in percentage points (negative: int8 loses). */
  points: number;
  /** The measured values behind it, for the tooltip. */
  detail: string;
}

/**
 * What the user's tolerance is held against, in points. With labels: top-1 (and top-5) accuracy,
 * int8 minus fp32. Without: each class-score output's top-1 agreement with fp32 minus 100 %, i.e. the
 * share of samples whose int8 argmax moved. Both read "points lost", so one tolerance serves both.
 * Outputs with no per-class scores have no such measure and are left out.
 */
export function toleranceRows(r: BenchResult): ToleranceRow[] {
  const points = (x: number) => Math.round(x * 1e6) / 1e4;
  const a = r.accuracy;
  if (a) {
    const topK = (name: string, k: { fp32: number; int8: number; delta: number }) => ({
      name,
      points: points(k.delta),
      detail: `fp32 ${pct(k.fp32)}, int8 ${pct(k.int8)}`,
    });
    return [topK('top-1', a), ...(a.top5 ? [topK('top-5', a.top5)] : [])];
  }
  return r.fidelity.perOutput.flatMap((o) =>
    o.top1Agreement === undefined ? [] : [{ name: o.output, points: points(o.top1Agreement - 1), detail: `top-1 agreement ${pct(o.top1Agreement)}` }],
  );
}

export const withinTolerance = (row: ToleranceRow, tolerance: number): boolean => row.points >= -tolerance;

/** The rows as bars from 0, green within the tolerance and red beyond it, with the tolerance as a dashed line. */
export function AccuracyChart({ rows, tolerance }: { rows: ToleranceRow[]; tolerance: number }) {
  return (
    <div style={{ width: '100%', height: 220 }} data-testid="accuracy-chart">
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ top: 16, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid vertical={false} stroke="#e6e9f0" />
          <XAxis dataKey="name" tick={{ fontSize: 12 }} />
          {/* Room above and below for the value labels, whichever way the bars point. */}
          <YAxis tick={{ fontSize: 11 }} unit=" pt" width={60} padding={{ top: 16, bottom: 16 }} />
          <Tooltip
            formatter={(v, _n, item) => [`${signed(Number(v))} points (${(item.payload as ToleranceRow).detail})`, 'int8 vs fp32']}
            cursor={{ fill: '#f0f3f9' }}
          />
          <ReferenceLine y={0} stroke="#b8bfcc" ifOverflow="extendDomain" />
          <ReferenceLine
            y={-tolerance}
            className="tolerance-line"
            stroke={BAD_COLOR}
            strokeDasharray="4 3"
            ifOverflow="extendDomain"
            label={{ value: `tolerance −${tolerance} pt`, position: 'insideBottomRight', fontSize: 11, fill: BAD_COLOR }}
          />
          <Bar
            dataKey="points"
            isAnimationActive={false}
            maxBarSize={60}
            shape={(p) => <Rectangle {...p} fill={withinTolerance(p.payload as ToleranceRow, tolerance) ? GOOD_COLOR : BAD_COLOR} />}
          >
            <LabelList dataKey="points" position="top" formatter={(v) => signed(Number(v))} style={{ fontSize: 11, fill: '#4a5468' }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
