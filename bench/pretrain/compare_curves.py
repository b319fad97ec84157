#!/usr/bin/env python3
"""Held-out MLM curves of `seq pretrain` and bench/pretrain/torch_curve.py, side by side.

    python3 bench/pretrain/compare_curves.py SEQ_OUT/metrics.jsonl TORCH_CURVE.jsonl \
        [--torch-result TORCH_STDOUT_JSON] [--csv bench/pretrain/curves/learns-30min.csv]

Reads seq's eval records (step, eval_loss, eval_accuracy; elapsed_s from the step record
of the same step) and torch_curve.py's records with heldout_loss; prints a Markdown table at
the steps both evaluated, then one JSON line: mean / max absolute held-out loss and accuracy
differences over the common steps (and over the common steps from --from-step on, the part
past warm-up where both are learning), the last common step, each side's last step and
values, and (with --torch-result, when torch_curve.py evaluated seq's checkpoints with
--compare-models) both models under the identical held-out protocol. Standard library only.
"""
import argparse
import json
import sys


def read_jsonl(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def stats(diffs):
    if not diffs:
        return None
    a = [abs(d) for d in diffs]
    return {"mean_abs": round(sum(a) / len(a), 4), "max_abs": round(max(a), 4),
            "mean_signed": round(sum(diffs) / len(diffs), 4), "n": len(diffs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seq_metrics")
    ap.add_argument("torch_curve")
    ap.add_argument("--torch-result", help="torch_curve.py's stdout JSON (the last line is used)")
    ap.add_argument("--from-step", type=int, default=500)
    ap.add_argument("--csv")
    args = ap.parse_args()

    recs = read_jsonl(args.seq_metrics)
    seq_elapsed = {r["step"]: r["elapsed_s"] for r in recs if "elapsed_s" in r}
    seq = {r["step"]: r for r in recs if "eval_loss" in r}
    torch = {r["step"]: r for r in read_jsonl(args.torch_curve) if "heldout_loss" in r}
    common = sorted(set(seq) & set(torch))
    if not common:
        sys.exit("no common evaluation steps")

    print("| step | seq held-out loss | torch held-out loss | Δ loss (seq − torch) | seq acc | torch acc | Δ acc | seq elapsed s | torch elapsed s |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for s in common:
        a, b = seq[s], torch[s]
        dl = a["eval_loss"] - b["heldout_loss"]
        da = a["eval_accuracy"] - b["heldout_accuracy"]
        el = seq_elapsed.get(s, 0.0 if s == 0 else None)
        rows.append((s, a["eval_loss"], b["heldout_loss"], dl, a["eval_accuracy"], b["heldout_accuracy"], da,
                     el, b["elapsed_s"]))
        print(f"| {s} | {a['eval_loss']:.4f} | {b['heldout_loss']:.4f} | {dl:+.4f} | {100 * a['eval_accuracy']:.2f}% | "
              f"{100 * b['heldout_accuracy']:.2f}% | {100 * da:+.2f} pt | "
              f"{'' if el is None else f'{el:.0f}'} | {b['elapsed_s']:.0f} |")

    if args.csv:
        with open(args.csv, "w") as f:
            f.write("step,seq_heldout_loss,torch_heldout_loss,seq_heldout_accuracy,torch_heldout_accuracy,seq_elapsed_s,torch_elapsed_s\n")
            for s, sl, tl, _, sa, ta, _, se, te in rows:
                f.write(f"{s},{sl:.6f},{tl:.6f},{sa:.6f},{ta:.6f},{'' if se is None else f'{se:.3f}'},{te:.3f}\n")

    late = [r for r in rows if r[0] >= args.from_step]
    last_seq, last_torch = max(seq), max(torch)
    result = {
        "common_steps": len(common), "first_common": common[0], "last_common": common[-1],
        "loss_diff_all": stats([r[3] for r in rows]),
        "accuracy_diff_all": stats([r[6] for r in rows]),
        f"loss_diff_from_{args.from_step}": stats([r[3] for r in late]),
        f"accuracy_diff_from_{args.from_step}": stats([r[6] for r in late]),
        "at_last_common": {"step": common[-1], "seq_loss": seq[common[-1]]["eval_loss"],
                           "torch_loss": torch[common[-1]]["heldout_loss"],
                           "seq_accuracy": seq[common[-1]]["eval_accuracy"],
                           "torch_accuracy": torch[common[-1]]["heldout_accuracy"]},
        "seq_final": {"step": last_seq, "loss": seq[last_seq]["eval_loss"], "accuracy": seq[last_seq]["eval_accuracy"],
                      "masked_tokens": seq[last_seq].get("eval_masked_tokens")},
        "torch_final": {"step": last_torch, "loss": torch[last_torch]["heldout_loss"],
                        "accuracy": torch[last_torch]["heldout_accuracy"],
                        "masked_tokens": torch[last_torch].get("heldout_masked_tokens")},
    }
    if args.torch_result:
        with open(args.torch_result) as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        tr = json.loads(lines[-1])
        result["torch_run"] = {k: tr.get(k) for k in ("steps", "wall_seconds", "tokens_per_s_train",
                                                       "cpu_seconds_per_wall_second", "final_loss_sd_over_maskings")}
        comp = tr.get("compare_models") or {}
        if comp:
            # The same rows and maskings for seq's checkpoints and the torch run's final model.
            result["same_protocol"] = {"torch_final_step": tr["steps"], "torch_final": tr.get("final_by_mask_seed"),
                                       "seq_checkpoints": comp}
            print()
            print("Same held-out rows and maskings (torch_curve.py's evaluation) for seq's checkpoints:")
            for d, per in comp.items():
                ls = [v["loss"] for v in per.values()]
                accs = [v["accuracy"] for v in per.values()]
                print(f"  {d}: loss mean {sum(ls) / len(ls):.4f} over {len(ls)} maskings, "
                      f"accuracy mean {100 * sum(accs) / len(accs):.2f}%")
            if tr.get("final_by_mask_seed"):
                per = tr["final_by_mask_seed"]
                ls = [v["loss"] for v in per.values()]
                accs = [v["accuracy"] for v in per.values()]
                print(f"  torch final (step {tr['steps']}): loss mean {sum(ls) / len(ls):.4f}, "
                      f"accuracy mean {100 * sum(accs) / len(accs):.2f}%, loss sd over maskings "
                      f"{tr.get('final_loss_sd_over_maskings')}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
