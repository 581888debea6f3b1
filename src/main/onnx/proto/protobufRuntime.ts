// The protobufjs runtime the generated onnx.js uses (scripts/gen-onnx-proto.mjs passes
// `--dependency ./protobufRuntime`), configured before onnx.js defines its messages:
// - int64 fields decode as plain numbers: ONNX dims, opsets and attributes never approach 2^53,
//   and the generated types already say `number` (--force-number);
// - numbers at or beyond ±2^63 (INT64_MAX decodes as 2^63, e.g. Slice's "to the end") are clamped
//   on encode, so sentinels round-trip instead of wrapping to INT64_MIN.
import $protobuf = require('protobufjs/minimal');

$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();

const LongBits = $protobuf.util.LongBits as unknown as { new (lo: number, hi: number): unknown; fromNumber(v: number): unknown };
const fromNumber = LongBits.fromNumber.bind(LongBits);
const TWO_63 = 2 ** 63; // INT64_MAX as a double
LongBits.fromNumber = (v: number) => {
  if (v >= TWO_63) return new LongBits(0xffffffff, 0x7fffffff);
  if (v <= -TWO_63) return new LongBits(0, 0x80000000);
  return fromNumber(v);
};

export = $protobuf;
