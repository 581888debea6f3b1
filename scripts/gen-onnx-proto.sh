#!/usr/bin/env bash
# Regenerates src/main/onnx/proto/onnx.{js,d.ts} from onnx.proto (copied from the onnx wheel,
# Apache-2.0). int64 fields decode as plain numbers: ONNX dims, opsets and attributes never
# approach 2^53, and the generated types already say `number` (--force-number).
set -euo pipefail
cd "$(dirname "$0")/../src/main/onnx/proto"
npx pbjs -t static-module -w commonjs --force-message --force-number --no-verify --no-convert --no-delimited --no-service -o onnx.js onnx.proto
sed -i 's#^var \$protobuf = require("protobufjs/minimal");#var $protobuf = require("protobufjs/minimal");\n$protobuf.util.Long = undefined; $protobuf.configure(); // int64 as number#' onnx.js
npx pbts -o onnx.d.ts onnx.js
