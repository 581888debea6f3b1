// Helpers the handlers' QOperator emitters share (quant/qoperator.ts calls the emitters).
import { makeNode, type NodeProto } from '../../onnx/graph';
import type { QLinearEmitter, QTensor } from './types';

import { MS_DOMAIN } from '../../onnx/model';

/** ONNX Runtime's contrib domain, where most QLinear* operators live. */
export const MS = MS_DOMAIN;

/** Copies the node's attributes (all, or only those named in `keep`) in front of the new node's own. */
export function withAttrs(n: NodeProto, from: NodeProto, keep?: readonly string[]): NodeProto {
  n.attribute = [...from.attribute.filter((a) => !keep || keep.includes(a.name ?? '')), ...n.attribute];
  return n;
}

/** x, x_scale, x_zero_point: how QLinear* operators take an int8 input. */
export const triple = (t: QTensor): string[] => [t.q, t.scale, t.zeroPoint];

/** DQ → op → Q becomes `QLinear<op>` (com.microsoft) with the op's attributes: ORT's UnarySelector. */
export const unaryQLinear: QLinearEmitter = (node, { ins: [x], y, name }) => {
  if (!x || !y) return undefined;
  return withAttrs(makeNode(`QLinear${node.opType}`, [...triple(x), y.scale, y.zeroPoint], [y.q], {}, name, MS), node);
};
