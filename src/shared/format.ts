// Numbers as people read them: one set of formatters for the CLI, the HTML reports and the renderer.
//
// Sizes use binary units with their IEC names: 1 KiB = 1024 B, 1 MiB = 1024² B, 1 GiB = 1024³ B
// (what `ls -lh`, ONNX Runtime's arena and the 2 GiB protobuf limit count in). Never "MB" for 1024².

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** 512 B, 1.5 KiB, 12.34 MiB, 1.02 GiB. */
export function formatBytes(n: number): string {
  if (n < KiB) return `${n} B`;
  if (n < MiB) return `${(n / KiB).toFixed(1)} KiB`;
  if (n < GiB) return `${(n / MiB).toFixed(2)} MiB`;
  return `${(n / GiB).toFixed(2)} GiB`;
}

/** The unit a chart of byte counts up to `max` is drawn in, and its size in bytes. */
export function byteUnit(max: number): { unit: 'KiB' | 'MiB' | 'GiB'; bytes: number } {
  return max >= GiB ? { unit: 'GiB', bytes: GiB } : max >= MiB ? { unit: 'MiB', bytes: MiB } : { unit: 'KiB', bytes: KiB };
}

/** 0.1234 → "12.34%". */
export const formatPercent = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;

/** Milliseconds to the microsecond: "1.234 ms". */
export const formatMsFixed = (x: number): string => `${x.toFixed(3)} ms`;

/** SQNR and other levels in dB; identical tensors give +∞. */
export const formatDb = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} dB` : x > 0 ? '∞ dB (identical)' : '-∞ dB');

/** "int8 1.32x faster" / "int8 1.10x slower" / "same speed" from an int8/fp32 time ratio. */
export function speedVerdict(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return 'n/a';
  if (Math.abs(ratio - 1) < 0.005) return 'same speed';
  return ratio < 1 ? `int8 ${(1 / ratio).toFixed(2)}x faster` : `int8 ${ratio.toFixed(2)}x slower`;
}

/** A duration the way a person reads it: "850 ms", "42 s", "3 min 5 s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
