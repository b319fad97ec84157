#!/usr/bin/env python3
"""Golden values for SeqTensor's kernels from PyTorch (CPU, float32).

Writes Tests/SeqTensorTests/Fixtures/kernels_golden.json. Run from the repo root with the
reference venv: "$(bash ../shared/ref/setup.sh | tail -n 1)" bench/golden/kernels_golden.py
Inputs are generated here (seeded torch.randn), stored in the file, and the test feeds the
same inputs to seq.
"""
import json, torch
import torch.nn.functional as F

torch.manual_seed(1234)
cases = {}

def lst(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]

# Awkward shapes: rows of 1, 7, 17, 33 and 130 columns (tails of the 16-lane loops).
for cols in [1, 7, 17, 33, 130]:
    x = (torch.randn(3, cols) * 3).requires_grad_()
    dy = torch.randn(3, cols)
    w = (torch.randn(cols) * 0.2 + 1).requires_grad_()
    b = (torch.randn(cols) * 0.2).requires_grad_()
    entry = {"shape": [3, cols], "x": lst(x), "dy": lst(dy), "w": lst(w), "b": lst(b)}
    for name, fn in [("gelu", lambda t: F.gelu(t, approximate="tanh")), ("gelu_erf", F.gelu),
                     ("softmax", lambda t: torch.softmax(t, -1)), ("log_softmax", lambda t: torch.log_softmax(t, -1))]:
        y = fn(x)
        (gx,) = torch.autograd.grad(y, x, dy)
        entry[name] = lst(y)
        entry[name + "_dx"] = lst(gx)
    y = F.layer_norm(x, (cols,), w, b, 1e-5)
    gx, gw, gb = torch.autograd.grad(y, (x, w, b), dy)
    entry["layer_norm"] = lst(y)
    entry["layer_norm_dx"], entry["layer_norm_dw"], entry["layer_norm_db"] = lst(gx), lst(gw), lst(gb)
    cases[f"cols{cols}"] = entry

# Cross-entropy with ignore_index and label smoothing.
logits = (torch.randn(6, 11) * 2).requires_grad_()
targets = torch.tensor([3, -100, 0, 10, 5, 5])
ce = {"logits": lst(logits), "targets": targets.tolist(), "shape": [6, 11]}
for eps in [0.0, 0.1]:
    loss = F.cross_entropy(logits, targets, ignore_index=-100, label_smoothing=eps)
    (g,) = torch.autograd.grad(loss, logits)
    ce[f"loss_{eps}"] = float(loss)
    ce[f"grad_{eps}"] = lst(g)
cases["cross_entropy"] = ce

json.dump({"generator": "bench/golden/kernels_golden.py", "torch": torch.__version__, "cases": cases},
          open("Tests/SeqTensorTests/Fixtures/kernels_golden.json", "w"))
print("wrote Tests/SeqTensorTests/Fixtures/kernels_golden.json")
