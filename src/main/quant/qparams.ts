import { computeQParams } from '../../../native';

export type QDType = 'uint8' | 'int8';

export interface QParams {
  scale: number;
  zeroPoint: number;
  dtype: QDType;
}

/**
 * Activation scale and zero point for a calibrated range, by the native quantization rules
 * (zero always representable; a zero-width range gives scale 1). Two adjustments let ORT fuse:
 * - `startsAtZero`: after an absorbed Relu the range starts at exactly 0, so the zero point is
 *   the type's minimum and ORT drops the Relu;
 * - `within`: after an absorbed Clip the representable range must fit inside the Clip bounds.
 */
export function activationParams(lo: number, hi: number, dtype: QDType, symmetric: boolean, startsAtZero = false, within?: [number, number]): QParams {
  const q = startsAtZero ? computeQParams({ lo: 0, hi: Math.max(hi, 0) }, { dtype, symmetric: false }) : computeQParams({ lo, hi }, { dtype, symmetric });
  const p = { scale: q.scale, zeroPoint: q.zeroPoint, dtype };
  return within ? fitWithin(p, within, q.qmin, q.qmax) : p;
}

/** Shrinks the scale until the representable range lies inside [min, max] (ORT checks to float epsilon). */
function fitWithin(p: QParams, [min, max]: [number, number], qmin: number, qmax: number): QParams {
  let scale = p.scale;
  if (qmin < p.zeroPoint && min < 0) scale = Math.min(scale, min / (qmin - p.zeroPoint));
  if (qmax > p.zeroPoint && Number.isFinite(max)) scale = Math.min(scale, max / (qmax - p.zeroPoint));
  return scale < p.scale ? { ...p, scale: Math.fround(scale * (1 - 1e-6)) } : p;
}
