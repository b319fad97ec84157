#!/usr/bin/env python3
"""Held-out curves of a change: BEFORE (seed 0) against AFTER (seed 0), beside AFTER's own
seed-to-seed spread (seed 1 - seed 0). Arguments: the three runs' metrics.jsonl files.
Prints a Markdown table and one JSON line. Standard library only.

    python3 bench/pretrain/before_after_curves.py /tmp/curve-old-s0/metrics.jsonl \
        /tmp/curve-new-s0/metrics.jsonl /tmp/curve-new-s1/metrics.jsonl
"""
import json, sys
def ev(path):
    out = {}
    for line in open(path):
        try: r = json.loads(line)
        except: continue
        if "eval_loss" in r: out[r["step"]] = (r["eval_loss"], r["eval_accuracy"])
    return out
old, new0, new1 = (ev(p) for p in sys.argv[1:4])
steps = sorted(set(old) & set(new0) & set(new1))
print("| step | before (seed 0) | after (seed 0) | after (seed 1) | after − before | seed 1 − seed 0 (after) |")
print("|---:|---:|---:|---:|---:|---:|")
d1, d2 = [], []
for s in steps:
    a, b, c = old[s][0], new0[s][0], new1[s][0]
    d1.append(abs(b - a)); d2.append(abs(c - b))
    print(f"| {s} | {a:.4f} | {b:.4f} | {c:.4f} | {b - a:+.4f} | {c - b:+.4f} |")
late = [i for i, s in enumerate(steps) if s >= 100]
print(json.dumps({"steps": steps, "mean_abs_after_minus_before": sum(d1)/len(d1), "max_abs_after_minus_before": max(d1),
                  "mean_abs_seed_spread": sum(d2)/len(d2), "max_abs_seed_spread": max(d2),
                  "mean_abs_after_minus_before_from_100": sum(d1[i] for i in late)/len(late),
                  "mean_abs_seed_spread_from_100": sum(d2[i] for i in late)/len(late)}))
