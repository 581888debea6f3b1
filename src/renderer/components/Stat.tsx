/** One figure on a card: a label, the value, a line under it; `tone` colours it good or bad. */
export function Stat({ label, value, sub, tone, testId }: { label: string; value: string; sub?: string; tone?: 'good' | 'bad'; testId?: string }) {
  return (
    <div className={`stat${tone ? ` ${tone}` : ''}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub && <div className="stat-sub">{sub}</div>}
    </div>
  );
}
