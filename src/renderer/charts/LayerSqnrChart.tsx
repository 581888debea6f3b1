import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LayerError } from '../../shared/bench';
import { INT8_COLOR } from './LatencyChart';

const SHOWN = 15;
const NAME_CHARS = 24;

/**
 * The tensors with the lowest SQNR, worst at the top: where the int8 error builds up, so where a
 * Rules-step exception (keep a node in fp32) is most likely to pay. Identical tensors (SQNR +∞,
 * which JSON carries as null) are not drawn.
 */
export function LayerSqnrChart({ layers }: { layers: LayerError[] }) {
  const rows = layers
    .filter((l) => Number.isFinite(l.sqnrDb))
    .slice(0, SHOWN)
    .map((l) => ({ tensor: l.tensor, op: l.op, sqnr: Math.round(l.sqnrDb * 10) / 10 }));
  return (
    <div style={{ width: '100%', height: rows.length * 24 + 40 }} data-testid="layer-sqnr-chart">
      <ResponsiveContainer>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 56, bottom: 4, left: 8 }}>
          <CartesianGrid horizontal={false} stroke="#e6e9f0" />
          <XAxis type="number" tick={{ fontSize: 11 }} unit=" dB" />
          <YAxis
            type="category"
            dataKey="tensor"
            width={160}
            interval={0}
            tick={{ fontSize: 11 }}
            tickFormatter={(t: string) => (t.length > NAME_CHARS ? `${t.slice(0, NAME_CHARS - 1)}…` : t)}
          />
          <Tooltip
            formatter={(v) => `${v} dB`}
            labelFormatter={(t, items) => `${t} (${(items[0]?.payload as { op?: string } | undefined)?.op ?? ''})`}
            cursor={{ fill: '#f0f3f9' }}
          />
          <Bar dataKey="sqnr" name="SQNR" fill={INT8_COLOR} radius={[0, 3, 3, 0]} isAnimationActive={false}>
            <LabelList dataKey="sqnr" position="right" formatter={(v) => `${v} dB`} style={{ fontSize: 11, fill: '#4a5468' }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
