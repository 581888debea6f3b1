"""The zoo's Python side (bench/zoo/run.ts runs it in the venv bench:peers makes, bench/peers/venv.ts).

    python ort_zoo.py quantize pt|pc MODEL DATA OUT SHAPES_JSON
        ONNX Runtime's quantize_static after quant_pre_process: MinMax, QDQ, QUInt8 activations,
        QInt8 weights, per-tensor (pt) or per-channel (pc) weights, on the zoo's calibration set
        (DATA: .npy for one input, .npz with one array per input name). Dynamic input dims are
        fixed to SHAPES_JSON first, as Octet's --shape does, so both tools quantize the same graph.
    python ort_zoo.py macs MODEL DATA SHAPES_JSON
        Multiply-accumulates per sample of the main graph's Conv, ConvTranspose, MatMul and Gemm,
        from the shapes ORT sees when it runs the first calibration sample (compute inside
        If/Loop/Scan bodies is not counted and is reported as such).

The last stdout line is one JSON object, as in bench/peers/quantize_peer.py (whose
quant_pre_process retry, quantize_static call and error formatting this reuses).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from quantize_peer import ort_quantize_static, pre_process, run_main  # noqa: E402


def load_samples(path, model):
    import numpy as np

    inits = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if path.endswith(".npz"):
        z = np.load(path)
        arrays = {k: z[k] for k in z.files}
    else:
        arrays = {inputs[0].name: np.load(path)}
    n = min(a.shape[0] for a in arrays.values())
    samples = []
    for i in range(n):
        feed = {}
        for inp in inputs:
            a = arrays[inp.name][i]
            rank = len(inp.type.tensor_type.shape.dim)
            if a.ndim == rank - 1:
                a = a[None]
            feed[inp.name] = np.ascontiguousarray(a)
        samples.append(feed)
    return samples


def fix_shapes(model, shapes):
    for inp in model.graph.input:
        if inp.name in shapes:
            dims = inp.type.tensor_type.shape.dim
            for d, v in zip(dims, shapes[inp.name]):
                d.ClearField("dim_param")
                d.dim_value = v
    return model


def quantize(gran, model_path, data, out, shapes):
    import onnx
    from onnxruntime.quantization import CalibrationMethod

    notes = []
    model = onnx.load(model_path)
    samples = load_samples(data, model)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        fixed = os.path.join(tmp, "fixed.onnx")
        onnx.save(fix_shapes(model, shapes), fixed)
        pre = os.path.join(tmp, "pre.onnx")
        pre_process(fixed, pre, notes)
        ort_quantize_static(pre, out, samples, gran == "pc", CalibrationMethod.MinMax)
    return {"ok": True, "seconds": round(time.perf_counter() - t0, 3), "notes": notes}


def macs(model_path, data, shapes):
    import numpy as np
    import onnx
    import onnxruntime as ort

    model = fix_shapes(onnx.load(model_path), shapes)
    samples = load_samples(data, model)
    g = model.graph
    inits = {t.name: list(t.dims) for t in g.initializer}
    consts = {}
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    consts[n.output[0]] = list(a.t.dims)
    compute = [n for n in g.node if n.op_type in ("Conv", "ConvTranspose", "MatMul", "Gemm")]
    nested = 0
    for n in g.node:
        for a in n.attribute:
            for sub in ([a.g] if a.type == onnx.AttributeProto.GRAPH else list(a.graphs)):
                stack = [sub]
                while stack:
                    s = stack.pop()
                    for m in s.node:
                        if m.op_type in ("Conv", "ConvTranspose", "MatMul", "Gemm", "LSTM", "GRU", "RNN"):
                            nested += 1
                        for b in m.attribute:
                            if b.type == onnx.AttributeProto.GRAPH:
                                stack.append(b.g)
    want = []
    for n in compute:
        for name in (n.input[0], n.input[1], n.output[0]):
            if name not in inits and name not in consts and name not in want:
                want.append(name)
    existing = {o.name for o in g.output}
    for name in want:
        if name not in existing:
            g.output.append(onnx.ValueInfoProto(name=name))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    vals = dict(zip(names, sess.run(None, samples[0])))
    shape = lambda name: inits.get(name) or consts.get(name) or list(vals[name].shape)  # noqa: E731
    total = 0
    for n in compute:
        attrs = {a.name: a for a in n.attribute}
        x, w, y = shape(n.input[0]), shape(n.input[1]), shape(n.output[0])
        if n.op_type == "Conv":
            total += int(np.prod(y)) * w[1] * int(np.prod(w[2:]))  # w[1] is C_in / group
        elif n.op_type == "ConvTranspose":
            total += int(np.prod(x)) * w[1] * int(np.prod(w[2:]))  # w[1] is C_out / group
        elif n.op_type == "MatMul":
            total += int(np.prod(y)) * x[-1]
        else:
            trans_a = attrs["transA"].i if "transA" in attrs else 0
            total += int(np.prod(y)) * (x[0] if trans_a else x[-1])
    return {"ok": True, "macs": total, "computeOps": len(compute), "nestedComputeOps": nested}


def main():
    args = sys.argv[1:]
    if args and args[0] == "quantize" and len(args) == 6:
        result = quantize(args[1], args[2], args[3], args[4], json.loads(args[5]))
    elif args and args[0] == "macs" and len(args) == 4:
        result = macs(args[1], args[2], json.loads(args[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    run_main(main)
