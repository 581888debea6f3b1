import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ThroughputPoint } from '../../shared/bench';
import { INT8_COLOR } from './LatencyChart';

const THREAD_COLORS = [INT8_COLOR, '#1b8a5a', '#a86a12', '#8a94a6'];

/**
 * int8 speed-up (fp32 time / int8 time) by batch size, one bar per thread count: where int8 pays
 * depends on both, so a single latency ratio can mislead. The line at 1× is "same speed".
 */
export function ThroughputChart({ points }: { points: ThroughputPoint[] }) {
  const threads = [...new Set(points.map((p) => p.threads))].sort((a, b) => a - b);
  const batches = [...new Set(points.map((p) => p.batch))].sort((a, b) => a - b);
  const rows = batches.map((b) => ({
    batch: `batch ${b}`,
    ...Object.fromEntries(points.filter((p) => p.batch === b).map((p) => [`t${p.threads}`, Math.round(p.speedup * 100) / 100])),
  }));
  return (
    <div style={{ width: '100%', height: 260 }} data-testid="throughput-chart">
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 8 }} barGap={4}>
          <CartesianGrid vertical={false} stroke="#e6e9f0" />
          <XAxis dataKey="batch" tick={{ fontSize: 12 }} />
          <YAxis tick={{ fontSize: 11 }} unit="×" width={50} />
          <Tooltip formatter={(v) => `${v}×`} cursor={{ fill: '#f0f3f9' }} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <ReferenceLine
            y={1}
            stroke="#687187"
            strokeDasharray="4 3"
            ifOverflow="extendDomain"
            label={{ value: '1× (same speed)', position: 'insideTopRight', fontSize: 11, fill: '#687187' }}
          />
          {threads.map((t, i) => (
            <Bar
              key={t}
              dataKey={`t${t}`}
              name={`${t} thread${t === 1 ? '' : 's'}`}
              fill={THREAD_COLORS[i % THREAD_COLORS.length]}
              radius={[3, 3, 0, 0]}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
