import { Bar, BarChart, LabelList, Legend, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { BenchResult } from '../../shared/bench';
import { bytes } from '../format';
import { FP32_COLOR, INT8_COLOR } from './LatencyChart';

/** The two model files' sizes, fp32 above int8. Each bar is labelled in readable units, so no value axis or tooltip. */
export function SizeChart({ size }: { size: BenchResult['size'] }) {
  const rows = [{ what: 'file size', fp32: size.fp32, int8: size.int8 }];
  const label = <LabelList position="right" formatter={(v) => bytes(Number(v))} style={{ fontSize: 11, fill: '#4a5468' }} />;
  return (
    <div style={{ width: '100%', height: 120 }} data-testid="size-chart">
      <ResponsiveContainer>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 70, bottom: 4, left: 8 }} barGap={6}>
          <XAxis type="number" hide />
          <YAxis type="category" dataKey="what" hide />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="fp32" name="fp32" fill={FP32_COLOR} radius={[0, 3, 3, 0]} isAnimationActive={false}>
            {label}
          </Bar>
          <Bar dataKey="int8" name="int8" fill={INT8_COLOR} radius={[0, 3, 3, 0]} isAnimationActive={false}>
            {label}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
