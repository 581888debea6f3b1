// ONNX's operator changelog up to the target opset: when each default-domain schema changed,
// which of those steps keep an old node's meaning unchanged, and the IR version of each opset.
// The steps that do change meaning have an adapter in adapters.ts (or are refused).

/** The opset Octet raises models to: per-axis QuantizeLinear/DequantizeLinear need 13. */
export const TARGET_OPSET = 13;
/** Older models are refused: nothing before opset 7 is worth an adapter. */
export const MIN_OPSET = 7;

export const isDefaultDomain = (d: string | null | undefined): boolean => !d || d === 'ai.onnx';

/**
 * Every `since_version` <= 13 of every default-domain operator (ONNX's operator changelog).
 * A node at opset `v` follows the latest schema <= v; each later entry <= target is a step.
 */
const SINCE_TABLE = `
Abs:1,6,13 Acos:7 Acosh:9 Add:1,6,7,13 And:1,7 ArgMax:1,11,12,13 ArgMin:1,11,12,13 Asin:7 Asinh:9 Atan:7 Atanh:9 AveragePool:1,7,10,11
BatchNormalization:1,6,7,9 BitShift:11 Cast:1,6,9,13 Ceil:1,6,13 Celu:12 Clip:1,6,11,12,13 Compress:9,11 Concat:1,4,11,13 ConcatFromSequence:11
Constant:1,9,11,12,13 ConstantOfShape:9 Conv:1,11 ConvInteger:10 ConvTranspose:1,11 Cos:7 Cosh:9 CumSum:11 DepthToSpace:1,11,13 DequantizeLinear:10,13
Det:11 Div:1,6,7,13 Dropout:1,6,7,10,12,13 DynamicQuantizeLinear:11 Einsum:12 Elu:1,6 Equal:1,7,11,13 Erf:9,13 Exp:1,6,13 Expand:8,13 EyeLike:9
Flatten:1,9,11,13 Floor:1,6,13 GRU:1,3,7 Gather:1,11,13 GatherElements:11,13 GatherND:11,12,13 Gemm:1,6,7,9,11,13 GlobalAveragePool:1 GlobalLpPool:1,2
GlobalMaxPool:1 Greater:1,7,9,13 GreaterOrEqual:12 HardSigmoid:1,6 Hardmax:1,11,13 Identity:1,13 If:1,11,13 InstanceNormalization:1,6 IsInf:10
IsNaN:9,13 LRN:1,13 LSTM:1,7 LeakyRelu:1,6 Less:1,7,9,13 LessOrEqual:12 Log:1,6,13 LogSoftmax:1,11,13 Loop:1,11,13 LpNormalization:1 LpPool:1,2,11
MatMul:1,9,13 MatMulInteger:10 Max:1,6,8,12,13 MaxPool:1,8,10,11,12 MaxRoiPool:1 MaxUnpool:9,11 Mean:1,6,8,13 MeanVarianceNormalization:9,13
Min:1,6,8,12,13 Mod:10,13 Mul:1,6,7,13 Multinomial:7 Neg:1,6,13 NegativeLogLikelihoodLoss:12,13 NonMaxSuppression:10,11 NonZero:9,13 Not:1 OneHot:9,11
Or:1,7 PRelu:1,6,7,9 Pad:1,2,11,13 Pow:1,7,12,13 QLinearConv:10 QLinearMatMul:10 QuantizeLinear:10,13 RNN:1,7 RandomNormal:1 RandomNormalLike:1
RandomUniform:1 RandomUniformLike:1 Range:11 Reciprocal:1,6,13 ReduceL1:1,11,13 ReduceL2:1,11,13 ReduceLogSum:1,11,13 ReduceLogSumExp:1,11,13
ReduceMax:1,11,12,13 ReduceMean:1,11,13 ReduceMin:1,11,12,13 ReduceProd:1,11,13 ReduceSum:1,11,13 ReduceSumSquare:1,11,13 Relu:1,6,13 Reshape:1,5,13
Resize:10,11,13 ReverseSequence:10 RoiAlign:10 Round:11 Scan:8,9,11 Scatter:9,11 ScatterElements:11,13 ScatterND:11,13 Selu:1,6 SequenceAt:11
SequenceConstruct:11 SequenceEmpty:11 SequenceErase:11 SequenceInsert:11 SequenceLength:11 Shape:1,13 Shrink:9 Sigmoid:1,6,13 Sign:9,13 Sin:7 Sinh:9
Size:1,13 Slice:1,10,11,13 Softmax:1,11,13 SoftmaxCrossEntropyLoss:12,13 Softplus:1 Softsign:1 SpaceToDepth:1,13 Split:1,2,11,13 SplitToSequence:11
Sqrt:1,6,13 Squeeze:1,11,13 StringNormalizer:10 Sub:1,6,7,13 Sum:1,6,8,13 Tan:7 Tanh:1,6,13 TfIdfVectorizer:9 ThresholdedRelu:10 Tile:1,6,13
TopK:1,10,11 Transpose:1,13 Unique:11 Unsqueeze:1,11,13 Upsample:1,7,9,10 Where:9 Xor:1,7`;

export const SINCE = new Map<string, number[]>(
  SINCE_TABLE.trim()
    .split(/\s+/)
    .map((e) => {
      const [op, v] = e.split(':');
      return [op, v.split(',').map(Number)] as const;
    }),
);

/**
 * Steps (op@version, 7 < version <= 13) where the new schema accepts the old node unchanged:
 * new types, negative axes, new attributes or inputs whose defaults keep the old behaviour.
 * Same list as ONNX's CompatibleAdapter registrations. A step that is neither here nor in
 * ADAPTERS is refused rather than guessed.
 */
export const COMPATIBLE = new Set(
  `Abs@13 Add@13 ArgMax@11 ArgMax@12 ArgMax@13 ArgMin@11 ArgMin@12 ArgMin@13 AveragePool@10 AveragePool@11 Cast@9 Cast@13 Ceil@13
Clip@12 Clip@13 Compress@11 Concat@11 Concat@13 Constant@9 Constant@11 Constant@12 Constant@13 Conv@11 ConvTranspose@11 DepthToSpace@11
DepthToSpace@13 DequantizeLinear@13 Div@13 Dropout@13 Equal@11 Equal@13 Erf@13 Exp@13 Expand@13 Flatten@9 Flatten@11 Flatten@13 Floor@13
Gather@11 Gather@13 GatherElements@13 GatherND@12 GatherND@13 Gemm@9 Gemm@11 Gemm@13 Greater@9 Greater@13 Hardmax@11 Identity@13 If@11 If@13
IsNaN@13 LRN@13 Less@9 Less@13 Log@13 LogSoftmax@11 Loop@11 Loop@13 LpPool@11 MatMul@9 MatMul@13 Max@8 Max@12 Max@13 MaxPool@8 MaxPool@10
MaxPool@11 MaxPool@12 MaxUnpool@11 Mean@8 Mean@13 MeanVarianceNormalization@13 Min@8 Min@12 Min@13 Mod@13 Mul@13 Neg@13
NegativeLogLikelihoodLoss@13 NonMaxSuppression@11 NonZero@13 OneHot@11 PRelu@9 Pad@13 Pow@12 Pow@13 QuantizeLinear@13 Reciprocal@13
ReduceL1@11 ReduceL1@13 ReduceL2@11 ReduceL2@13 ReduceLogSum@11 ReduceLogSum@13 ReduceLogSumExp@11 ReduceLogSumExp@13 ReduceMax@11 ReduceMax@12
ReduceMax@13 ReduceMean@11 ReduceMean@13 ReduceMin@11 ReduceMin@12 ReduceMin@13 ReduceProd@11 ReduceProd@13 ReduceSum@11 ReduceSumSquare@11
ReduceSumSquare@13 Relu@13 Reshape@13 Resize@13 Scan@11 ScatterElements@13 ScatterND@13 Shape@13 Sigmoid@13 Sign@13 Size@13 Slice@11 Slice@13
Softmax@11 SoftmaxCrossEntropyLoss@13 SpaceToDepth@13 Split@11 Sqrt@13 Squeeze@11 Sub@13 Sum@8 Sum@13 Tanh@13 Tile@13 TopK@11 Transpose@13
Unsqueeze@11`.split(/\s+/),
);

/** The IR version each opset first shipped with (ONNX's versioning table). */
export const IR_FOR_OPSET: Record<number, number> = { 7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 7 };
