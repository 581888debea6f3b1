"""One accuracy-aware tuning run of a peer tool for `npm run bench:tune` (bench/tune/run.ts runs it).

    python tune_peer.py TOOL MODEL CALIB EVAL OUT --metric top1|cosine --tolerable-loss X
                        [--labels LABELS.npy] [--max-trials N] [--model-type transformer]

TOOL:
  inc   onnx_neural_compressor.quantization.tuning.autotune with
        TuningConfig(config_set=StaticQuantConfig.get_config_set_for_tuning(), tolerable_loss, max_trials):
        the config set INC itself offers for static int8 on ONNX Runtime (16 configs: op-type sets
        without Add/Mul, Gather…, Attention; the last MatMul int8 or not; per-channel or not).
  nncf  nncf.quantize_with_accuracy_control on the ONNX model, max_drop = the tolerance, drop_type
        RELATIVE for top1 (INC's and Octet's convention) and ABSOLUTE for cosine (1 − cosine against
        fp32 is already a drop from 1); model_type TRANSFORMER with --model-type transformer.

CALIB and EVAL are .npy [N, *input dims] or .npz with one array per input name (first axis =
samples), as for quantize_peer.py; LABELS an int .npy [N] for top1. Both tools see the metric as
"higher is better": top-1 accuracy, or the cosine of the outputs against fp32 computed exactly as
Octet's tune does it (every float output concatenated over the evaluation samples, positions where
attention_mask is 0 left out, the worst output counts). Evaluation runs ONNX Runtime at 1 thread,
as Octet's does.

The last line on stdout is one JSON object: {"ok": true, "met": bool, "trials": N, "loss": X,
"seconds": S, "evaluations": N, "notes": [...], "history": [...]} or {"ok": false, "reason": ...}.
`trials` counts candidate models the tool built (INC: tuning trials; NNCF: the first quantized
model plus one per group of operations it reverted to fp32), `evaluations` the runs over the whole
evaluation set (NNCF's ranking of quantizer groups evaluates on a subset, which here is all of it),
`seconds` is the whole tuning (calibration, conversions, evaluations) after imports.
"""

from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quantize_peer import load_samples, one_line, opset_of, replaying_reader, run_main  # noqa: E402


def session(model, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    src = model if isinstance(model, str) else model.SerializeToString()
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def comparable(out, feeds):
    """The output at unmasked positions, for outputs shaped [batch, sequence, ...] like attention_mask (src/main/quant/measured.ts)."""
    import numpy as np

    mask = feeds.get("attention_mask")
    if mask is None or out.ndim < 2 or out.shape[0] != mask.shape[0] or out.shape[1] != mask.shape[1]:
        return out.reshape(-1)
    keep = mask.reshape(-1) != 0
    if keep.all() or not keep.any():
        return out.reshape(-1)
    return out.reshape(mask.size, -1)[keep].reshape(-1)


class Metric:
    """top-1 accuracy or the worst output's cosine against fp32, over a subset of the evaluation samples."""

    def __init__(self, model_path, samples, labels, metric):
        import numpy as np

        self.samples, self.labels, self.metric = samples, labels, metric
        s = session(model_path)
        self.names = [o.name for o in s.get_outputs() if o.type == "tensor(float)"]
        self.refs = [[comparable(r, f) for r in s.run(self.names, f)] for f in samples]
        del s
        self.calls = []
        self.cached = None

    def __call__(self, model, indices=None):
        import numpy as np

        idx = list(range(len(self.samples))) if indices is None else list(indices)
        # NNCF's ranking evaluates one model item by item: one session per model, not per item.
        if self.cached is None or self.cached[0] is not model:
            self.cached = (model, session(model))
        s = self.cached[1]
        outs = [s.run(self.names, self.samples[i]) for i in idx]
        if self.metric == "top1":
            value = float(np.mean([int(np.argmax(o[0])) == int(self.labels[i]) for i, o in zip(idx, outs)]))
        else:
            value = 1.0
            for k in range(len(self.names)):
                a = np.concatenate([self.refs[i][k] for i in idx]).astype(np.float64)
                b = np.concatenate([comparable(o[k], self.samples[i]) for i, o in zip(idx, outs)]).astype(np.float64)
                value = min(value, float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) or 1.0)))
        if indices is None:
            self.calls.append({"value": value, "t": time.perf_counter()})
        return value


# Module-level, so that a failure's JSON line still carries what happened before it.
NOTES: list[str] = []


def loss_of(metric, fp32_value, value):
    return (fp32_value - value) / fp32_value if metric == "top1" else 1.0 - value


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=["inc", "nncf"])
    ap.add_argument("model")
    ap.add_argument("calib")
    ap.add_argument("eval")
    ap.add_argument("out")
    ap.add_argument("--metric", choices=["top1", "cosine"], required=True)
    ap.add_argument("--tolerable-loss", type=float, required=True)
    ap.add_argument("--labels")
    ap.add_argument("--max-trials", type=int, default=100)
    ap.add_argument("--model-type")
    a = ap.parse_args()

    import numpy as np
    import onnx

    calib = load_samples(a.model, a.calib)
    evals = load_samples(a.model, a.eval)
    labels = np.load(a.labels) if a.labels else None
    if a.metric == "top1" and labels is None:
        raise SystemExit("--metric top1 needs --labels")
    metric = Metric(a.model, evals, labels, a.metric)
    fp32_value = metric(a.model)
    metric.calls.clear()
    notes = NOTES
    t0 = time.perf_counter()

    if a.tool == "inc":
        from onnx_neural_compressor import data_reader
        from onnx_neural_compressor.quantization import config, tuning

        from onnxruntime.quantization import QuantFormat

        Reader = replaying_reader(data_reader.CalibrationDataReader, calib)

        def tune(**fmt):
            configs = config.StaticQuantConfig.get_config_set_for_tuning(calibration_sampling_size=len(calib), **fmt)
            tc = tuning.TuningConfig(config_set=configs, tolerable_loss=a.tolerable_loss, max_trials=a.max_trials)
            notes.append(f"config set: StaticQuantConfig.get_config_set_for_tuning({', '.join(f'{k}={v}' for k, v in fmt.items())}): {len(configs)} op-type sets x per_channel x quant_last_matmul = {4 * len(configs)} trials at most")
            try:
                return tuning.autotune(a.model, tc, eval_fn=lambda path: metric(path), calibration_data_reader=Reader())
            except SystemExit:
                # autotune calls exit(0) when its config set is exhausted without meeting the goal: nothing is returned.
                notes.append("autotune exhausted its config set without meeting the tolerance and returned no model (it calls exit(0))")
                return None

        try:
            q = tune()
        except Exception as e:  # noqa: BLE001 — autotune lets a trial's exception end the whole tuning
            # What a user tries next: the same set in QDQ format.
            notes.append(f"default config set (QOperator) failed in trial {len(metric.calls)}: {one_line(e)}; tuned again with quant_format=QDQ")
            metric.calls.clear()
            q = tune(quant_format=QuantFormat.QDQ)
        seconds = time.perf_counter() - t0
        history = metric.calls[1:]  # the first evaluation is autotune's own fp32 baseline
        trials = len(history)
        if q is not None:
            onnx.save(q, a.out)
            if not history or loss_of(a.metric, fp32_value, history[-1]["value"]) > a.tolerable_loss:
                notes.append("max_trials reached: autotune returned its last trial, which misses the tolerance")
    else:
        import nncf
        from nncf.quantization.advanced_parameters import AdvancedAccuracyRestorerParameters

        model = onnx.load(a.model)
        if opset_of(model) < 10:
            # NNCF refuses opsets below 10; a user raises the opset first (as bench:peers' "opset13" row does).
            from onnx import version_converter

            notes.append(f"opset {opset_of(model)}->13 by onnx.version_converter (NNCF refuses opsets below 10)")
            model = version_converter.convert_version(model, 13)
        items = list(range(len(evals)))

        def validation_fn(m, data):
            data = list(data)
            return metric(m, None if len(data) == len(evals) else data), None

        import logging

        # Its log is the only place that says how many models it built (one per reverted group).
        said: list[str] = []

        class Said(logging.Handler):
            def emit(self, record):
                said.append(record.getMessage())

        logging.getLogger("nncf").addHandler(Said())
        kwargs = {"subset_size": len(calib)}
        if a.model_type == "transformer":
            kwargs["model_type"] = nncf.ModelType.TRANSFORMER
            notes.append("model_type=TRANSFORMER")
        q = nncf.quantize_with_accuracy_control(
            model,
            nncf.Dataset(calib),
            nncf.Dataset(items),
            validation_fn,
            max_drop=a.tolerable_loss,
            drop_type=nncf.DropType.RELATIVE if a.metric == "top1" else nncf.DropType.ABSOLUTE,
            advanced_accuracy_restorer_parameters=AdvancedAccuracyRestorerParameters(max_num_iterations=a.max_trials, num_ranking_workers=1),
            **kwargs,
        )
        seconds = time.perf_counter() - t0
        onnx.save(q, a.out)
        history = metric.calls[1:]  # the first full evaluation is the fp32 model's
        reverts = sum(m.startswith("Reverted ") for m in said)
        trials = 1 + reverts
        notes += [m.split("\n")[0] for m in said if " were reverted back" in m or m.startswith("Total number of quantized") or m.startswith("Algorithm completed") or "could not achieve" in m]

    losses = [loss_of(a.metric, fp32_value, h["value"]) for h in history]
    final = None
    if os.path.exists(a.out):
        final = loss_of(a.metric, fp32_value, metric(a.out))
    print(json.dumps({
        "ok": True,
        "met": final is not None and final <= a.tolerable_loss,
        "trials": trials,
        "evaluations": len(history),
        "loss": final,
        "fp32": fp32_value,
        "seconds": round(seconds, 2),
        "saved": final is not None,
        "history": [round(x, 8) for x in losses],
        "notes": notes,
    }))
    return 0


if __name__ == "__main__":
    run_main(main, lambda: {"notes": NOTES})
