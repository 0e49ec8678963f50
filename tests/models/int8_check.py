"""The int8 (QDQ) criterion, shared by tests/models/compare_with_ort.py and
tests/cross/compare_qemu.py.

"Every logit within one quantization step" alone lets systematic errors through: on the
zoo's random-weight networks the logits hardly depend on the input, so a wrong input zero
point or a 10% wrong input scale moves them by at most one step, and so does adding one
step to every logit. Two correct implementations differ by rare, unbiased one-step flips
(a different summation order rounds a few values the other way). So a tensor passes when

  - no element is more than `max_steps` steps off,
  - at most `max_flip_share` of its elements differ at all, and
  - the mean signed difference is within `max_mean_steps` (no systematic shift),

and this is required of the graph outputs (FINAL) and of the first EARLY_LAYERS
activation QuantizeLinear outputs (EARLY), which depend fully on the input.
"""
from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import numpy_helper

# Bounds, from what correct implementations do against ORT_DISABLE_ALL (rqc's reference
# and compiled code, tests/models/numpy_reference.py, ORT's own integer kernels; seeds 0-4
# of the four CI int8 models):
#  - logits: 0-15% of the elements one step off, |mean| <= 0.03 step (resnet8: 10 logits,
#    at most 2 off); vgg16_int8 (slow label) 19-21%;
#  - first four quantized layers: at most 0.01% of the elements differ, |mean| < 1e-4,
#    at most 2 steps (a one-step flip in a depthwise conv's input moves its output by
#    |w| * s_in / s_out, up to 2 steps in MobileNet's first layers, 3 in the fifth).
# The emulated bugs (docs/models.md) make >= 13% of the logits and >= 20% of every early
# layer differ, with |mean| = 1 step in the input's quantization.
FINAL = dict(max_steps=1.0, max_flip_share=0.25, max_mean_steps=0.1)
EARLY = dict(max_steps=3.0, max_flip_share=0.01, max_mean_steps=0.01)
EARLY_LAYERS = 4  # the input's QuantizeLinear and the next three


def constant_value(model, name: str):
    for t in model.graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    for n in model.graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            for a in n.attribute:
                if a.name == "value":
                    return numpy_helper.to_array(a.t)
    return None


def is_quantized(model) -> bool:
    return any(n.op_type in ("QuantizeLinear", "DequantizeLinear", "QLinearConv") for n in model.graph.node)


def output_step(model, output: str) -> tuple[float, str]:
    """The quantization step of `output`: 1 for a QuantizeLinear's own (integer) output,
    else the scale of the nearest DequantizeLinear/QuantizeLinear upstream (breadth first,
    so the last one before the output wins; per-channel scales: the largest)."""
    producer = {o: n for n in model.graph.node for o in n.output}
    if output in producer and producer[output].op_type == "QuantizeLinear":
        return 1.0, "integer"
    seen, frontier = set(), [output]
    while frontier:
        nxt = []
        for t in frontier:
            n = producer.get(t)
            if n is None or id(n) in seen:
                continue
            seen.add(id(n))
            if n.op_type in ("DequantizeLinear", "QuantizeLinear"):
                scale = constant_value(model, n.input[1])
                if scale is None:
                    raise ValueError(f"scale {n.input[1]!r} of {n.op_type} {n.name!r} is not a constant")
                return float(np.max(np.abs(scale))), f"{n.op_type} {n.name or n.output[0]!r}"
            nxt.extend(i for i in n.input if i)
        frontier = nxt
    raise ValueError(f"no QuantizeLinear/DequantizeLinear upstream of output {output!r}")


def early_layer_model(model, count: int = EARLY_LAYERS) -> onnx.ModelProto:
    """A copy of `model` cut after its first `count` activation QuantizeLinear nodes (graph
    order); their integer outputs are the graph outputs. Only the nodes they need are kept,
    so the early layers cost a few layers' compile and run time, and the full network is
    still compiled and run unchanged (extra outputs could change what the compiler fuses)."""
    consts = {t.name for t in model.graph.initializer}
    consts |= {o for n in model.graph.node if n.op_type == "Constant" for o in n.output}
    quants = [n for n in model.graph.node if n.op_type == "QuantizeLinear" and n.input[0] not in consts][:count]
    if not quants:
        raise ValueError("the model has no activation QuantizeLinear")
    producer = {o: k for k, n in enumerate(model.graph.node) for o in n.output}
    keep, todo = set(), [q.output[0] for q in quants]
    while todo:
        k = producer.get(todo.pop())
        if k is not None and k not in keep:
            keep.add(k)
            todo.extend(i for i in model.graph.node[k].input if i)
    nodes = [n for k, n in enumerate(model.graph.node) if k in keep]
    used = {i for n in nodes for i in n.input}
    outputs = []
    for q in quants:  # the output type is the zero point's (uint8 when it is omitted)
        zp = constant_value(model, q.input[2]) if len(q.input) > 2 and q.input[2] else None
        elem = onnx.helper.np_dtype_to_tensor_dtype(zp.dtype) if zp is not None else onnx.TensorProto.UINT8
        outputs.append(onnx.helper.make_tensor_value_info(q.output[0], elem, None))
    graph = onnx.helper.make_graph(nodes, model.graph.name + "_early",
                                   [vi for vi in model.graph.input if vi.name in used], outputs,
                                   [t for t in model.graph.initializer if t.name in used])
    return onnx.helper.make_model(graph, opset_imports=model.opset_import, ir_version=model.ir_version)


def check(got: np.ndarray, ref: np.ndarray, step: float, max_steps: float, max_flip_share: float,
          max_mean_steps: float) -> tuple[bool, str]:
    """(ok, one-line summary) of `got` against `ref`, in units of `step`."""
    if got.shape != ref.shape:
        return False, f"shape {list(got.shape)} != reference {list(ref.shape)}"
    d = (got.astype(np.float64) - ref.astype(np.float64)).ravel() / step
    if not np.isfinite(d).all():
        return False, f"{int((~np.isfinite(d)).sum())} non-finite values"
    if d.size == 0:
        return True, "empty"
    worst = float(np.abs(d).max())
    # Dequantized values differ by whole steps up to float rounding: a quarter step counts.
    share = float((np.abs(d) > 0.25).mean())
    mean = float(d.mean())
    # With few elements (resnet8's 10 logits) one flip moves the mean by 1/n: also allow
    # three standard errors of the mean of n values that are +-1 with probability `share`.
    mean_limit = max(max_mean_steps, 3 * math.sqrt(share / d.size))
    fails = []
    if worst > max_steps + 1e-3:
        fails.append(f"max {worst:.3g} > {max_steps:g} steps")
    if share > max_flip_share:
        fails.append(f"{share:.1%} differ > {max_flip_share:.0%}")
    if abs(mean) > mean_limit:
        fails.append(f"|mean| {abs(mean):.3g} > {mean_limit:.3g}")
    summary = (f"max {worst:.3g} steps, {int(round(share * d.size))} of {d.size} differ ({share:.3%}), mean {mean:+.4f} steps"
               f" (limits {max_steps:g} / {max_flip_share:.0%} / {mean_limit:.3g})")
    return not fails, summary + ("" if not fails else " -- " + "; ".join(fails))


def judge(model, early_model, ref: dict, got: dict, early_ref: dict | None, early_got: dict | None,
          who: str, final_steps: float = FINAL["max_steps"], log=print) -> bool:
    """Applies FINAL to every output of `model` and EARLY to every output of `early_model`
    (skipped when early_ref is None), printing one line per tensor. True if all pass."""
    ok = True
    parts = [(model, ref, got, dict(FINAL, max_steps=final_steps), "")]
    if early_ref is not None:
        parts.append((early_model, early_ref, early_got, EARLY, "early layer "))
    for m, r, g, limits, what in parts:
        for name, rv in r.items():
            if name not in g:
                log(f"  {what}{name}: missing from {who}'s output (has: {', '.join(g) or 'nothing'})")
                ok = False
                continue
            step, src = output_step(m, name)
            good, summary = check(g[name], rv, step, **limits)
            log(f"  {what}{name}{list(rv.shape)} {who}: {summary}  [step {step:.6g}: {src}]")
            ok &= good
    return ok
