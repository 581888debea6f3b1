"""One peer quantization for `npm run bench:peers` (bench/peers/run.ts runs it under /usr/bin/time -v).

    python quantize_peer.py TOOL VARIANT MODEL CALIB_NPY OUT [--model-type transformer]

TOOL/VARIANT:
  ort  pt-minmax | pc-minmax | pt-entropy | pc-entropy
       onnxruntime.quantization.quantize_static after quant_pre_process: QDQ, QUInt8 activations,
       QInt8 weights, per-tensor (pt) or per-channel (pc) weights, MinMax or Entropy calibration.
       dynamic  onnxruntime.quantization.quantize_dynamic, QInt8 weights (the usual setting for
                transformers; no calibration data is used), after quant_pre_process.
  nncf default      nncf.quantize on the ONNX model with its defaults (preset and all).
       opset13      the same after onnx.version_converter raised the model to opset 13 (NNCF
                    refuses opsets below 10; run.ts offers this only to models below opset 13).
  inc  default      onnx-neural-compressor StaticQuantConfig defaults (QOperator, per-tensor, MinMax).
       qdq-pc       the same with QDQ and per-channel weights: the setting Octet's default mirrors.

CALIB_NPY holds the calibration samples, shape [N, *input dims] (each sample keeps its batch dim
of 1), written by run.ts from Octet's own data sources so every tool sees the same samples; for a
model with several inputs it is a .npz with one array per input name, first axis = samples (a
sample one rank lower than its input gets a batch dim of 1), read here directly with numpy, in
each input's own dtype.

The last line on stdout is one JSON object: {"ok": true, "seconds": S, "notes": [...]} or
{"ok": false, "reason": "one line", "seconds": S}. `seconds` is calibration + conversion (and
ORT's pre-processing), without interpreter start-up and imports. Exit code 0 or 1 to match.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
import traceback



def replaying_reader(base, samples):
    """A calibration data reader (ORT's or INC's base class) that replays the same samples."""

    class Reader(base):
        def __init__(self):
            self.it = iter(samples)

        def get_next(self):
            return next(self.it, None)

        def rewind(self):
            self.it = iter(samples)

    return Reader

def one_line(e: BaseException) -> str:
    """`Type: message (at package/file.py:line)`: the innermost frame in site-packages names the tool's code."""
    msg = str(e).strip().splitlines()
    text = msg[0] if msg else "(no message)"
    where = ""
    for f in reversed(traceback.extract_tb(e.__traceback__)):
        if "site-packages" in f.filename:
            where = f" (at {f.filename.split('site-packages/')[-1]}:{f.lineno})"
            break
    return f"{type(e).__name__}: {text[:220]}{where}"


def opset_of(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def has_per_channel_weights(model) -> bool:
    """True when some weight of a QLinearConv/QGemm/QLinearMatMul or of a DequantizeLinear has more than one scale."""
    sizes = {t.name: max(1, math.prod(t.dims)) for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "DequantizeLinear" and len(n.input) > 1 and sizes.get(n.input[1], 1) > 1:
            return True
        if n.op_type in ("QLinearConv", "QLinearMatMul", "QGemm") and len(n.input) > 4 and sizes.get(n.input[4], 1) > 1:
            return True
    return False


def load_samples(model_path: str, calib_path: str) -> list[dict]:
    """The calibration samples as a list of {input name: array}, each array with its input's rank and dtype."""
    import numpy as np
    import onnx
    from onnx import helper

    m = onnx.load(model_path, load_external_data=False)
    # Initializers listed as graph inputs (old exporters) are not data inputs.
    inits = {t.name for t in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    rank = {i.name: len(i.type.tensor_type.shape.dim) for i in inputs}
    dtype = {i.name: helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type) for i in inputs}
    if calib_path.endswith(".npz"):
        z = np.load(calib_path)
        missing = [n for n in rank if n not in z.files]
        if missing:
            raise SystemExit(f"{calib_path}: no array for input(s) {missing} (has {z.files})")
        arrays = {n: z[n] for n in rank}
    else:
        if len(rank) != 1:
            raise SystemExit(f"expected one data input for a .npy, got {list(rank)}")
        arrays = {next(iter(rank)): np.load(calib_path)}
    counts = {a.shape[0] for a in arrays.values()}
    if len(counts) != 1:
        raise SystemExit(f"{calib_path}: sample counts differ between inputs: { {n: a.shape[0] for n, a in arrays.items()} }")

    def sample(name, a):
        x = np.ascontiguousarray(a, dtype=dtype[name])
        return x[None] if x.ndim == rank[name] - 1 else x

    return [{n: sample(n, a[i]) for n, a in arrays.items()} for i in range(counts.pop())]


def pre_process(model_path: str, out: str, notes: list[str]) -> None:
    """ORT's quant_pre_process; when its symbolic shape inference gives up (PyTorch's Shape/Gather/
    Concat chains on symbolic [batch, sequence]), again without it, as a user would, with a note."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    try:
        quant_pre_process(model_path, out)
    except Exception as e:  # noqa: BLE001
        notes.append(f"quant_pre_process: {one_line(e)[:120]}; retried with skip_symbolic_shape=True")
        quant_pre_process(model_path, out, skip_symbolic_shape=True)


def ort_quantize_static(pre: str, out: str, samples: list[dict], per_channel: bool, method) -> None:
    """ONNX Runtime's quantize_static as both benchmarks run it (bench:peers and the zoo): on a
    pre-processed model, QDQ, QUInt8 activations, QInt8 weights, the samples replayed."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    Reader = replaying_reader(CalibrationDataReader, samples)
    quantize_static(
        pre,
        out,
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        calibrate_method=method,
        # No CalibMaxIntermediateOutputs: in onnxruntime 1.30 it drops each full batch of
        # outputs without merging its ranges (calibrate.py collect_data). MinMax keeps only
        # ReduceMin/ReduceMax outputs per sample, so memory stays small without it.
    )


def main() -> int:
    args = sys.argv[1:]
    model_type = None
    if "--model-type" in args:
        i = args.index("--model-type")
        model_type = args[i + 1]
        del args[i : i + 2]
    if len(args) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    tool, variant, model_path, calib_path, out_path = args

    import numpy as np
    import onnx

    samples = load_samples(model_path, calib_path)
    notes: list[str] = []

    if tool == "ort":
        from onnxruntime.quantization import CalibrationMethod, QuantType

        if variant == "dynamic":
            from onnxruntime.quantization import quantize_dynamic

            t0 = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                pre = os.path.join(tmp, "pre.onnx")
                pre_process(model_path, pre, notes)
                quantize_dynamic(pre, out_path, weight_type=QuantType.QInt8)
            seconds = time.perf_counter() - t0
            notes.append("no calibration (activation ranges computed at run time)")
            print(json.dumps({"ok": True, "seconds": round(seconds, 3), "notes": notes}))
            return 0

        gran, algo = variant.split("-")
        method = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy}[algo]
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            pre = os.path.join(tmp, "pre.onnx")
            pre_process(model_path, pre, notes)
            ort_quantize_static(pre, out_path, samples, gran == "pc", method)
        seconds = time.perf_counter() - t0

    elif tool == "nncf":
        import nncf

        kwargs = {"subset_size": len(samples)}
        if model_type == "transformer":
            kwargs["model_type"] = nncf.ModelType.TRANSFORMER
            notes.append("model_type=TRANSFORMER")
        t0 = time.perf_counter()
        model = onnx.load(model_path)
        if variant == "opset13":
            from onnx import version_converter

            before = opset_of(model)
            model = version_converter.convert_version(model, 13)
            notes.append(f"opset {before}->13 by onnx.version_converter")
        elif variant != "default":
            raise SystemExit(f"unknown nncf variant {variant}")
        q = nncf.quantize(model, nncf.Dataset(samples), **kwargs)
        onnx.save(q, out_path)
        seconds = time.perf_counter() - t0

    elif tool == "inc":
        from onnxruntime.quantization import QuantFormat
        from onnx_neural_compressor import data_reader
        from onnx_neural_compressor.quantization import config, quantize

        Reader = replaying_reader(data_reader.CalibrationDataReader, samples)

        kwargs = {"calibration_data_reader": Reader(), "calibration_sampling_size": len(samples)}
        if variant == "qdq-pc":
            kwargs.update(quant_format=QuantFormat.QDQ, per_channel=True)
        elif variant != "default":
            raise SystemExit(f"unknown inc variant {variant}")
        t0 = time.perf_counter()
        quantize(model_path, out_path, config.StaticQuantConfig(**kwargs))
        seconds = time.perf_counter() - t0

    else:
        raise SystemExit(f"unknown tool {tool}")

    if not os.path.exists(out_path):
        raise RuntimeError("the tool returned without writing a model")
    if "pc" in variant.split("-") and not has_per_channel_weights(onnx.load(out_path)):
        notes.append("per-channel requested, weights came out per-tensor")
    print(json.dumps({"ok": True, "seconds": round(seconds, 3), "notes": notes}))
    return 0


def run_main(main, extra=lambda: {}) -> None:
    """Runs a peer script's main: any failure becomes one JSON row ({"ok": false, "reason"}) on stdout and exit 1."""
    started = time.perf_counter()
    try:
        code = main()
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 — every peer failure becomes a failure row
        traceback.print_exc(file=sys.stderr)
        print(json.dumps({"ok": False, "reason": one_line(e), "seconds": round(time.perf_counter() - started, 3), **extra()}))
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    run_main(main)
