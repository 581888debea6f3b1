export type QDType = 'uint8' | 'int8';

export interface QParams {
  scale: number;
  zeroPoint: number;
  dtype: QDType;
}

export const qrange = (dtype: QDType): [number, number] => (dtype === 'uint8' ? [0, 255] : [-128, 127]);

/**
 * Activation scale and zero point for a calibrated range. Zero must be exactly representable
 * (padding and Relu depend on it), so the range is widened to include 0.
 */
export function activationParams(lo: number, hi: number, dtype: QDType, symmetric: boolean, startsAtZero = false, within?: [number, number]): QParams {
  const p = rawParams(lo, hi, dtype, symmetric, startsAtZero);
  return within ? fitWithin(p, within) : p;
}

/**
 * Shrinks the scale until the representable range lies inside [min, max] (ORT checks to
 * float epsilon), so ORT can drop the Clip in front of this Q.
 */
function fitWithin(p: QParams, [min, max]: [number, number]): QParams {
  const [qmin, qmax] = qrange(p.dtype);
  let scale = p.scale;
  if (qmin < p.zeroPoint && min < 0) scale = Math.min(scale, min / (qmin - p.zeroPoint));
  if (qmax > p.zeroPoint && Number.isFinite(max)) scale = Math.min(scale, max / (qmax - p.zeroPoint));
  return scale < p.scale ? { ...p, scale: Math.fround(scale * (1 - 1e-6)) } : p;
}

function rawParams(lo: number, hi: number, dtype: QDType, symmetric: boolean, startsAtZero: boolean): QParams {
  const [qmin, qmax] = qrange(dtype);
  let rmin = Math.min(lo, 0);
  let rmax = Math.max(hi, 0);
  if (startsAtZero) {
    // The zero point must be qmin so that ORT can drop the Relu/Clip before this Q.
    rmin = 0;
    const scale = Math.fround(rmax > 0 ? rmax / (qmax - qmin) : 1);
    return { scale, zeroPoint: qmin, dtype };
  }
  if (symmetric) {
    const a = Math.max(Math.abs(rmin), Math.abs(rmax));
    rmin = -a;
    rmax = a;
  }
  if (!(rmax > rmin)) return { scale: 1, zeroPoint: symmetric && dtype === 'uint8' ? 128 : 0, dtype };
  const scale = Math.fround((rmax - rmin) / (qmax - qmin));
  const zeroPoint = symmetric ? (dtype === 'uint8' ? 128 : 0) : clamp(Math.round(qmin - rmin / scale), qmin, qmax);
  return { scale, zeroPoint, dtype };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
