import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import type { TuneTrial } from '../../shared/jobs';
import { INT8_COLOR } from './LatencyChart';

const MISS = '#c0c6d4';
const MEETS = INT8_COLOR;
const CHOSEN = '#e0632b';

/** Each trial: int8/fp32 latency across, loss up; the tolerance as a line; the chosen one marked. */
export function TuneChart({ trials, tolerance, best }: { trials: TuneTrial[]; tolerance: number; best?: number }) {
  const done = trials.filter((t) => t.loss !== undefined && t.latencyRatio !== undefined);
  const point = (t: TuneTrial) => ({ x: t.latencyRatio!, y: Math.max(t.loss!, 0), trial: t.index + 1, delta: t.delta });
  const chosen = done.filter((t) => t.index === best).map(point);
  const meets = done.filter((t) => t.meets && t.index !== best).map(point);
  const misses = done.filter((t) => !t.meets && t.index !== best).map(point);
  const maxY = Math.max(tolerance * 2, ...done.map((t) => Math.max(t.loss!, 0)));
  return (
    <div style={{ width: '100%', height: 280 }} data-testid="tune-chart">
      <ResponsiveContainer>
        <ScatterChart margin={{ top: 12, right: 24, bottom: 20, left: 12 }}>
          <CartesianGrid stroke="#e6e9f0" />
          <XAxis
            type="number"
            dataKey="x"
            name="int8/fp32 latency"
            domain={['auto', 'auto']}
            tick={{ fontSize: 11 }}
            label={{ value: 'int8/fp32 latency (lower is faster)', position: 'insideBottom', offset: -12, fontSize: 12 }}
          />
          <YAxis
            type="number"
            dataKey="y"
            name="loss"
            domain={[0, maxY]}
            tick={{ fontSize: 11 }}
            width={70}
            tickFormatter={fmt}
            label={{ value: 'loss', angle: -90, position: 'insideLeft', fontSize: 12 }}
          />
          <ZAxis range={[60, 60]} />
          <Tooltip
            cursor={{ strokeDasharray: '3 3' }}
            formatter={(v, name) => (name === 'loss' ? fmt(Number(v)) : Number(v).toFixed(3))}
            labelFormatter={() => ''}
          />
          <ReferenceLine
            y={tolerance}
            stroke={CHOSEN}
            strokeDasharray="6 4"
            label={{ value: `tolerance ${fmt(tolerance)}`, position: 'insideTopRight', fontSize: 11, fill: CHOSEN }}
          />
          <Scatter name="misses" data={misses} fill={MISS} isAnimationActive={false} />
          <Scatter name="meets" data={meets} fill={MEETS} isAnimationActive={false} />
          <Scatter name="chosen" data={chosen} fill={CHOSEN} shape="star" isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}

export const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 0.01 ? x.toFixed(3) : x.toExponential(1));
