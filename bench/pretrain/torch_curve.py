#!/usr/bin/env python3
"""PyTorch learning curve for the "Learns" bar: bert_mlm_train.py's training, plus a held-out curve.

Trains exactly what ../shared/ref/bert_mlm_train.py trains (imported from there: PRESETS,
PackedStream, mask_tokens; same RNG order, so the training trajectory is the reference's):
transformers' BertForMaskedLM from a fresh config, the MiniLM vocab.txt (BertTokenizerFast),
Gutenberg train.txt packed as [CLS] + 126 ids + [SEP] with paragraphs joined by [SEP], batch
32 x 128, dynamic 15% masking (80/10/10), AdamW (lr 1e-4, betas 0.9/0.999, eps 1e-6, wd 0.01
except bias/LayerNorm), warmup 100 then linear decay to 0 at 10000, clip 1.0, dropout 0.1,
MLM head on the masked positions only (--head masked, what seq does).

Every --eval-every steps (and at step 0 and at the end, as `seq pretrain` does) it evaluates
the held-out MLM loss and accuracy on rows built the way `seq pretrain --eval-file` builds
them (HeldOutSlice.file): the first --eval-rows x 126 ids of valid.txt (each non-empty line's
ids, lines giving no token skipped, each followed by [SEP]) cut into [CLS] + 126 + [SEP] rows;
dropout off; one FIXED masking (same policy, a generator seeded with --eval-mask-seed, drawn
afresh identically at every evaluation); loss = mean over masked tokens, accuracy = argmax
hits over masked tokens, in batches of --batch rows.

After the run, --final-mask-seeds K evaluates the final model with K other maskings of the
same rows (the spread measures how much one fixed masking moves the held-out figure), and
--compare-models DIR... evaluates other BertForMaskedLM directories (e.g. seq's checkpoints,
which transformers loads) with exactly the same rows and maskings, so both models meet the
identical held-out protocol. With --steps 0 and --compare-models only that evaluation runs.

Progress on stderr; --curve FILE gets JSON lines (step, elapsed_s, train_loss,
train_loss_mean10, lr, heldout_loss, heldout_accuracy, heldout_masked_tokens); the last
stdout line is one JSON object.

    PY=/root/.cache/seq-ref/venv/bin/python
    $PY bench/pretrain/torch_curve.py --max-minutes 30 --eval-every 100 --eval-rows 512 \
        --curve /tmp/torch-curve.jsonl
"""
import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REF = Path(os.environ.get("SEQ_REF_DIR", ROOT.parent / "shared" / "ref"))
sys.path.insert(0, str(REF))
import bert_mlm_train as ref  # noqa: E402  (PRESETS, PackedStream, mask_tokens, versions)

DATA = REF.parent / "data" / "lm" / "gutenberg"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def heldout_rows(path, tok, seq_len, rows):
    """seq's HeldOutSlice.file: the first rows*(seq_len-2) ids of the file's token stream
    (each line's ids then [SEP]; a line giving no token is skipped), cut into rows."""
    body = seq_len - 2
    want = rows * body
    ids = []
    with open(path, encoding="utf-8", errors="replace") as f:
        while len(ids) < want:
            lines = [line.rstrip("\n") for _, line in zip(range(256), f)]
            if not lines:
                break
            for enc in tok(lines, add_special_tokens=False)["input_ids"]:
                if enc:
                    ids.extend(enc)
                    ids.append(tok.sep_token_id)
    ids = ids[:want]
    return [[tok.cls_token_id] + ids[i:i + body] + [tok.sep_token_id] for i in range(0, len(ids), body)]


def make_masks(rows, tok, vocab, prob, seed, batch):
    """One fixed masking of the held-out rows (the reference's policy), per batch."""
    import torch
    gen = torch.Generator().manual_seed(seed)
    out = []
    for i in range(0, len(rows), batch):
        ids = torch.tensor(rows[i:i + batch], dtype=torch.long)  # all rows full: no padding
        out.append(ref.mask_tokens(ids, tok, vocab, prob, gen))
    return out


def evaluate(model, masks):
    import torch
    import torch.nn.functional as F
    was_training = model.training
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for inputs, labels in masks:
            h = model.bert(input_ids=inputs, attention_mask=torch.ones_like(inputs),
                           token_type_ids=torch.zeros_like(inputs))[0]
            sel = labels != -100
            logits = model.cls(h[sel])
            target = labels[sel]
            loss_sum += F.cross_entropy(logits, target, reduction="sum").item()
            correct += (logits.argmax(-1) == target).sum().item()
            n += target.numel()
    if was_training:
        model.train()
    return loss_sum / n, correct / n, n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(ref.PRESETS), default="small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--total-steps", type=int, default=10000)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--mask-prob", type=float, default=0.15)
    ap.add_argument("--steps", type=int, default=None, help="stop after this many steps")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="stop once this much wall time (training + evaluations) has passed")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-rows", type=int, default=64, help="held-out rows (seq's --eval-rows)")
    ap.add_argument("--eval-mask-seed", type=int, default=1234)
    ap.add_argument("--final-mask-seeds", type=int, default=0,
                    help="after the run, evaluate the final model with this many other maskings")
    ap.add_argument("--compare-models", nargs="*", default=[],
                    help="model directories evaluated after the run with the same rows and maskings")
    ap.add_argument("--vocab", default=str(Path.home() / ".cache" / "seq" / "minilm" / "vocab.txt"))
    ap.add_argument("--corpus", default=str(DATA / "train.txt"))
    ap.add_argument("--eval-file", default=str(DATA / "valid.txt"))
    ap.add_argument("--curve", default=None, help="JSON-lines curve file")
    ap.add_argument("--dump-heldout", default=None, help="write the held-out rows (ids) here, one row a line")
    ap.add_argument("--log-every", type=int, default=10)
    args = ap.parse_args()
    if args.steps is None and args.max_minutes is None and not args.compare_models:
        ap.error("give --steps and/or --max-minutes")
    steps_limit = args.steps if args.steps is not None else 0

    import torch
    import torch.nn.functional as F
    from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast
    from transformers import get_linear_schedule_with_warmup

    # Same order of seeding and model construction as bert_mlm_train.py.
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    # The directory holding vocab.txt (MiniLM: tokenizer.json + vocab.txt), loaded as the reference does.
    tok = BertTokenizerFast.from_pretrained(str(Path(args.vocab).parent))
    layers, hidden, heads, ffn = ref.PRESETS[args.preset]
    cfg = BertConfig(
        vocab_size=30522, hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, intermediate_size=ffn, max_position_embeddings=512,
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, type_vocab_size=2,
        hidden_act="gelu",
    )
    assert len(tok) == cfg.vocab_size, (len(tok), cfg.vocab_size)
    model = BertForMaskedLM._from_config(cfg, attn_implementation="sdpa")
    model.train()
    n_params = sum(p.numel() for p in model.parameters())

    t0 = time.perf_counter()
    rows = heldout_rows(args.eval_file, tok, args.seq_len, args.eval_rows)
    if args.dump_heldout:
        with open(args.dump_heldout, "w") as f:
            for r in rows:
                f.write(" ".join(map(str, r)) + "\n")
    masks = make_masks(rows, tok, cfg.vocab_size, args.mask_prob, args.eval_mask_seed, args.batch)
    log(f"[torch_curve] preset={args.preset} params={n_params/1e6:.2f}M threads={torch.get_num_threads()} "
        f"held-out {len(rows)} rows, {sum((l != -100).sum().item() for _, l in masks)} masked tokens "
        f"(prepared in {time.perf_counter() - t0:.1f}s)")

    no_decay = ["bias", "LayerNorm.weight"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": args.weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
         "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-6)
    sched = get_linear_schedule_with_warmup(opt, args.warmup, max(args.total_steps, args.warmup + 1))

    curve = open(args.curve, "w") if args.curve else None

    def record(rec):
        if curve:
            curve.write(json.dumps(rec) + "\n")
            curve.flush()

    stream = ref.PackedStream(args.corpus, tok, args.seq_len)
    tt_ids = attn_mask = None
    losses = []
    step = 0
    last_eval = None
    stopped_by = "steps"
    train_seconds = 0.0
    eval_seconds = 0.0
    t_start = time.perf_counter()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)

    def elapsed():
        return time.perf_counter() - t_start

    def do_eval():
        nonlocal last_eval, eval_seconds
        te = time.perf_counter()
        loss, acc, n = evaluate(model, masks)
        eval_seconds += time.perf_counter() - te
        last_eval = {"step": step, "elapsed_s": round(elapsed(), 3),
                     "train_loss": round(losses[-1], 6) if losses else None,
                     "train_loss_mean10": round(sum(losses[-10:]) / len(losses[-10:]), 6) if losses else None,
                     "lr": sched.get_last_lr()[0],
                     "heldout_loss": round(loss, 6), "heldout_accuracy": round(acc, 6),
                     "heldout_masked_tokens": n}
        record(last_eval)
        log(f"[torch_curve] eval step {step}: loss {loss:.4f} accuracy {acc:.4f} "
            f"({time.perf_counter() - te:.1f}s) elapsed {elapsed():.0f}s")

    run_training = steps_limit > 0 or args.max_minutes is not None
    if run_training:
        do_eval()
    while run_training:
        if steps_limit and step >= steps_limit:
            stopped_by = "steps"
            break
        if args.max_minutes is not None and elapsed() >= args.max_minutes * 60:
            stopped_by = "max_minutes"
            break
        ts = time.perf_counter()
        ids = torch.tensor(stream.rows(args.batch), dtype=torch.long)
        if tt_ids is None:
            tt_ids = torch.zeros_like(ids)
            attn_mask = torch.ones_like(ids)
        inputs, labels = ref.mask_tokens(ids, tok, cfg.vocab_size, args.mask_prob, gen)
        h = model.bert(input_ids=inputs, attention_mask=attn_mask, token_type_ids=tt_ids)[0]
        sel = labels != -100
        logits = model.cls(h[sel])
        loss = F.cross_entropy(logits, labels[sel])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        sched.step()
        lv = loss.item()
        train_seconds += time.perf_counter() - ts
        step += 1
        losses.append(lv)
        if not math.isfinite(lv):
            sys.exit(f"error: non-finite loss at step {step}")
        if step % args.log_every == 0 or step == 1:
            log(f"[torch_curve] step {step} loss {lv:.4f} lr {sched.get_last_lr()[0]:.2e} "
                f"elapsed {elapsed():.0f}s tokens/s {step * args.batch * args.seq_len / train_seconds:.0f}")
            if args.eval_every <= 0 or step % args.eval_every != 0:
                record({"step": step, "elapsed_s": round(elapsed(), 3), "train_loss": round(lv, 6),
                        "lr": sched.get_last_lr()[0]})
        if args.eval_every > 0 and step % args.eval_every == 0:
            do_eval()
    wall = elapsed()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    if run_training and (last_eval is None or last_eval["step"] != step):
        do_eval()

    result = {"script": "torch_curve", "preset": args.preset, "params": n_params, "mlm_head": "masked",
              "batch": args.batch, "seq_len": args.seq_len, "lr": args.lr, "warmup": args.warmup,
              "total_steps": args.total_steps, "threads": torch.get_num_threads(), "seed": args.seed,
              "eval_rows": len(rows), "eval_every": args.eval_every, "eval_mask_seed": args.eval_mask_seed,
              "steps": step, "stopped_by": stopped_by if run_training else None,
              "wall_seconds": round(wall, 3), "train_seconds": round(train_seconds, 3),
              "eval_seconds": round(eval_seconds, 3),
              "tokens_per_s_train": round(step * args.batch * args.seq_len / train_seconds, 1) if train_seconds else None,
              "cpu_seconds_per_wall_second": round((ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / wall, 3) if run_training else None,
              "final_train_loss_mean10": round(sum(losses[-10:]) / len(losses[-10:]), 6) if losses else None,
              "heldout_loss": last_eval["heldout_loss"] if last_eval else None,
              "heldout_accuracy": last_eval["heldout_accuracy"] if last_eval else None,
              "heldout_masked_tokens": last_eval["heldout_masked_tokens"] if last_eval else None}

    seeds = [args.eval_mask_seed] + [args.eval_mask_seed + 1 + k for k in range(args.final_mask_seeds)]
    all_masks = {s: (masks if s == args.eval_mask_seed else
                     make_masks(rows, tok, cfg.vocab_size, args.mask_prob, s, args.batch)) for s in seeds}
    if run_training and args.final_mask_seeds > 0:
        per = {s: evaluate(model, m)[:2] for s, m in all_masks.items()}
        ls = [v[0] for v in per.values()]
        mean = sum(ls) / len(ls)
        sd = (sum((x - mean) ** 2 for x in ls) / (len(ls) - 1)) ** 0.5 if len(ls) > 1 else None
        result["final_by_mask_seed"] = {str(s): {"loss": round(v[0], 6), "accuracy": round(v[1], 6)} for s, v in per.items()}
        result["final_loss_sd_over_maskings"] = round(sd, 6) if sd is not None else None
        log(f"[torch_curve] final model over {len(ls)} maskings: loss mean {mean:.4f} sd {sd}")
        record({"final_by_mask_seed": result["final_by_mask_seed"], "step": step})
    if args.compare_models:
        comp = {}
        for d in args.compare_models:
            other = BertForMaskedLM.from_pretrained(d, attn_implementation="sdpa")
            per = {str(s): dict(zip(("loss", "accuracy"), (round(x, 6) for x in evaluate(other, m)[:2])))
                   for s, m in all_masks.items()}
            comp[d] = per
            log(f"[torch_curve] {d}: " + ", ".join(f"seed {s} loss {v['loss']:.4f} acc {v['accuracy']:.4f}"
                                                  for s, v in per.items()))
        result["compare_models"] = comp
    result["peak_rss_mib"] = round(ref.peak_rss_mib(), 1)
    result["versions"] = ref.versions()
    result["machine"] = {"arch": platform.machine(), "cpu_count": os.cpu_count(),
                         "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    if curve:
        curve.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
