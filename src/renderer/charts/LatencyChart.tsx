import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BenchResult } from '../../shared/bench';

export const FP32_COLOR = '#8a94a6';
export const INT8_COLOR = '#4f6bed';

/** p50/p90/p99 latency, fp32 beside int8, in milliseconds. */
export function LatencyChart({ latency }: { latency: BenchResult['latency'] }) {
  const rows = (['p50', 'p90', 'p99'] as const).map((p) => ({ p, fp32: round(latency.fp32[p]), int8: round(latency.int8[p]) }));
  return (
    <div style={{ width: '100%', height: 260 }} data-testid="latency-chart">
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 8 }} barGap={4}>
          <CartesianGrid vertical={false} stroke="#e6e9f0" />
          <XAxis dataKey="p" tick={{ fontSize: 12 }} />
          <YAxis tick={{ fontSize: 11 }} unit=" ms" width={70} />
          <Tooltip formatter={(v) => `${v} ms`} cursor={{ fill: '#f0f3f9' }} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="fp32" name="fp32" fill={FP32_COLOR} radius={[3, 3, 0, 0]} isAnimationActive={false} />
          <Bar dataKey="int8" name="int8" fill={INT8_COLOR} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

const round = (x: number) => Math.round(x * 1000) / 1000;
