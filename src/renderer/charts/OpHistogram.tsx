import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

const SHOWN = 10;

/** Operator counts, most frequent first; the tail is summed into "other". */
export function OpHistogram({ histogram }: { histogram: Record<string, number> }) {
  const sorted = Object.entries(histogram).sort((a, b) => b[1] - a[1]);
  const rows = sorted.slice(0, SHOWN).map(([op, n]) => ({ op, n }));
  const rest = sorted.slice(SHOWN).reduce((a, [, n]) => a + n, 0);
  if (rest) rows.push({ op: `${sorted.length - SHOWN} other`, n: rest });
  const height = Math.max(120, rows.length * 26 + 30);
  return (
    <div style={{ width: '100%', height }} data-testid="op-histogram">
      <ResponsiveContainer>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 36, bottom: 4, left: 8 }}>
          <CartesianGrid horizontal={false} stroke="#e6e9f0" />
          <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis type="category" dataKey="op" width={130} tick={{ fontSize: 12 }} interval={0} />
          <Tooltip cursor={{ fill: '#f0f3f9' }} />
          <Bar dataKey="n" name="nodes" fill="#4f6bed" radius={[0, 3, 3, 0]} isAnimationActive={false}>
            <LabelList dataKey="n" position="right" style={{ fontSize: 11, fill: '#4a5468' }} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
