#!/usr/bin/env bash
# Regenerates src/main/onnx/proto/onnx.{js,d.ts} from onnx.proto (copied from the onnx wheel,
# Apache-2.0). int64 fields decode as plain numbers: ONNX dims, opsets and attributes never
# approach 2^53, and the generated types already say `number` (--force-number).
set -euo pipefail
cd "$(dirname "$0")/../src/main/onnx/proto"
npx pbjs -t static-module -w commonjs --force-message --force-number --no-verify --no-convert --no-delimited --no-service -o onnx.js onnx.proto
# Numbers at or beyond ±2^63 (INT64_MAX decodes as 2^63, e.g. Slice's "to the end") are clamped
# on encode so sentinels round-trip instead of wrapping to INT64_MIN.
patch='$protobuf.util.Long = undefined; $protobuf.configure(); // int64 as number\
(function (LongBits) { var fromNumber = LongBits.fromNumber; LongBits.fromNumber = function (v) { if (v >= 9223372036854775807) return new LongBits(0xffffffff, 0x7fffffff); if (v <= -9223372036854775808) return new LongBits(0, 0x80000000); return fromNumber(v); }; })($protobuf.util.LongBits);'
sed -i "s#^var \\\$protobuf = require(\"protobufjs/minimal\");#&\\n$patch#" onnx.js
npx pbts -o onnx.d.ts onnx.js
