#!/usr/bin/env python3
"""PyTorch + transformers run of seq finetune's recipe, for the quality bars beside seq.

Same model (all-MiniLM-L6-v2 encoder, fresh head: BertForSequenceClassification,
BertForTokenClassification or BertForQuestionAnswering, init normal(0.02)), same data and
the same recipe as `seq finetune --task T` with its defaults (FineTuningKind.recipe):
AdamW (weight decay 0.01 except biases and LayerNorm weights, eps 1e-6), linear warmup
(share of the steps) then linear decay to 0, clipping at 1.0, batches of length-sorted
buckets (50 batches) shuffled, dynamic padding; pos: loss/prediction on each word's first
subword, accuracy over words; qa: question + context windows (only_second, stride), start/end
heads, n-best 20 and max answer length 30, official SQuAD v1.1 EM/F1.

  ~/.cache/seq-ref/venv/bin/python bench/finetune/torch_finetune.py --task pos [--steps 5]

Defaults: the bar datasets under ../shared/data and the recipe's defaults. The last stdout
line is one JSON object (task, steps, seconds, dev metrics).

A long run (qa's recipe is about four hours on one thread) can be stopped and resumed:
`--state F` saves the model, optimizer, schedule, RNG and step to F every `--save-minutes`,
on SIGTERM/SIGINT (then exits with 3) and when training ends; started again with the same
flags and F, it goes on from that step with the same batches and dropout masks (or straight
to the evaluation), and `--threads` may differ.
"""
import argparse
import collections
import itertools
import json
import math
import os
import random
import re
import signal
import string
import sys
import time
from types import SimpleNamespace

import torch
from transformers import (BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification,
                          BertTokenizerFast)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
MINILM = os.environ.get("SEQ_MINILM_DIR", os.path.expanduser("~/.cache/seq/minilm"))
RECIPE = {  # FineTuningKind.recipe: lr, epochs, batch, max length, warmup share
    "sentiment": (4e-5, 2, 32, 64, 0.1), "pos": (1e-4, 4, 32, 128, 0.1),
    "nli": (5e-5, 6, 32, 128, 0.1), "qa": (8e-5, 4, 32, 384, 0.1)}
FILES = {
    "sentiment": ("sentiment/sst2/train.tsv", "sentiment/sst2/dev.tsv"),
    "pos": ("pos/ud-english-ewt/train.conllu", "pos/ud-english-ewt/dev.conllu"),
    "nli": ("nli/sick/train.tsv", "nli/sick/dev.tsv"),
    "qa": ("qa/squadshifts-new-wiki/new_wiki_v1.0.json", "qa/squad-v1.1/dev-v1.1.json")}
NLI = ["entailment", "neutral", "contradiction"]


def read_tsv(path, pair):
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8") if l.strip()]
    head = rows[0]
    if pair:
        if "sentence_A" in head:
            a, b, l = head.index("sentence_A"), head.index("sentence_B"), head.index("entailment_label")
        else:
            a, b, l = 0, 1, 2
        return [(r[a], r[b], r[l].lower()) for r in rows[1:]]
    s, l = head.index("sentence"), head.index("label")
    return [(r[s], None, r[l].strip()) for r in rows[1:]]


def read_conllu(path):
    out, words, tags = [], [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if words:
                out.append((words, tags))
            words, tags = [], []
            continue
        if line.startswith("#"):
            continue
        c = line.split("\t")
        if "-" in c[0] or "." in c[0]:
            continue
        words.append(c[1])
        tags.append(c[3])
    if words:
        out.append((words, tags))
    return out


def read_squad(path):
    out = []
    for art in json.load(open(path, encoding="utf-8"))["data"]:
        for p in art["paragraphs"]:
            for q in p["qas"]:
                out.append((q["id"], q["question"], p["context"], q["answers"]))
    return out


def buckets(lengths, batch, seed, epoch):
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    for s in range(0, len(order), batch * 50):
        chunk = sorted(order[s:s + batch * 50], key=lambda i: (lengths[i], i))
        out += [chunk[i:i + batch] for i in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


def pad(rows, tok):
    T = max(len(r[0]) for r in rows)
    ids = torch.tensor([r[0] + [tok.pad_token_id] * (T - len(r[0])) for r in rows])
    types = torch.tensor([r[1] + [0] * (T - len(r[1])) for r in rows])
    mask = torch.tensor([[1] * len(r[0]) + [0] * (T - len(r[0])) for r in rows])
    return ids, types, mask, T


# Official SQuAD v1.1 normalisation.
def normalize(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1(pred, gold):
    p, g = normalize(pred).split(), normalize(gold).split()
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    pr, rc = same / len(p), same / len(g)
    return 2 * pr * rc / (pr + rc)


def state_args(a):
    """The flags that must match for a saved state to be resumed (not threads or limits of evaluation)."""
    return {k: v for k, v in vars(a).items() if k not in ("threads", "state", "save_minutes", "eval_limit")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", required=True, choices=sorted(RECIPE))
    ap.add_argument("--init", default=MINILM)
    ap.add_argument("--train")
    ap.add_argument("--dev")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--max-length", type=int)
    ap.add_argument("--warmup", type=float)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: the epochs)")
    ap.add_argument("--eval-limit", type=int, default=0, help="evaluate on the first N dev examples (0: all)")
    ap.add_argument("--doc-stride", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--state", help="save/resume the run's state in this file")
    ap.add_argument("--save-minutes", type=float, default=10.0)
    a = ap.parse_args()
    lr, epochs, batch, max_len, warm = RECIPE[a.task]
    lr, epochs, batch = a.lr or lr, a.epochs or epochs, a.batch_size or batch
    max_len, warm = a.max_length or max_len, a.warmup if a.warmup is not None else warm
    train_path = a.train or os.path.join(DATA, FILES[a.task][0])
    dev_path = a.dev or os.path.join(DATA, FILES[a.task][1])
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    tok = BertTokenizerFast.from_pretrained(a.init)

    if a.task in ("sentiment", "nli"):
        train, dev = read_tsv(train_path, a.task == "nli"), read_tsv(dev_path, a.task == "nli")
        present = {r[2] for r in train}
        labels = [l for l in NLI if l in present] + sorted(present - set(NLI)) if a.task == "nli" else sorted(present)
        model = BertForSequenceClassification.from_pretrained(a.init, num_labels=len(labels), id2label=dict(enumerate(labels)),
                                                              label2id={l: i for i, l in enumerate(labels)})

        def encode(rows):
            e = tok([r[0] for r in rows], [r[1] for r in rows] if rows[0][1] is not None else None, truncation=True, max_length=max_len)
            return [(e["input_ids"][i], e["token_type_ids"][i], [labels.index(r[2])]) for i, r in enumerate(rows)]
        feats, dev_feats = encode(train), encode(dev)
    elif a.task == "pos":
        train, dev = read_conllu(train_path), read_conllu(dev_path)
        labels = sorted({t for _, tags in train for t in tags})
        model = BertForTokenClassification.from_pretrained(a.init, num_labels=len(labels), id2label=dict(enumerate(labels)),
                                                           label2id={l: i for i, l in enumerate(labels)})

        def encode(rows):
            out = []
            e = tok([w for w, _ in rows], is_split_into_words=True, truncation=True, max_length=max_len)
            for i, (words, tags) in enumerate(rows):
                target, seen = [], set()
                for w in e.word_ids(i):
                    if w is None or w in seen:
                        target.append(-100)
                    else:
                        seen.add(w)
                        target.append(labels.index(tags[w]) if tags[w] in labels else -100)
                out.append((e["input_ids"][i], e["token_type_ids"][i], target))
            return out
        feats, dev_feats = encode(train), encode(dev)
    else:
        train, dev = read_squad(train_path), read_squad(dev_path)
        model = BertForQuestionAnswering.from_pretrained(a.init)

        def windows(rows):
            e = tok([r[1] for r in rows], [r[2] for r in rows], truncation="only_second", max_length=max_len,
                    stride=a.doc_stride, return_overflowing_tokens=True, return_offsets_mapping=True)
            return e
        e = windows(train)
        feats = []
        for k, item in enumerate(e["overflow_to_sample_mapping"]):
            _, _, _, answers = train[item]
            seq = e.sequence_ids(k)
            offs = e["offset_mapping"][k]
            ctx = [i for i, s in enumerate(seq) if s == 1]
            # Every distinct reference answer, as seq trains (SpanExtractor.trainingFeatures):
            # targets [s1, e1, s2, e2, ...], [CLS] (0, 0) for an answer not wholly inside.
            distinct = list(dict.fromkeys((x["answer_start"], x["text"]) for x in answers))
            target = []
            for s_char, text in distinct:
                e_char = s_char + len(text)
                pair = [0, 0]
                if offs[ctx[0]][0] <= s_char and offs[ctx[-1]][1] >= e_char:
                    pair = [next(i for i in ctx if offs[i][1] > s_char), [i for i in ctx if offs[i][0] < e_char][-1]]
                target += pair
            feats.append((e["input_ids"][k], e["token_type_ids"][k], target))
        if a.eval_limit:
            dev = dev[:a.eval_limit]
        dev_feats = None

    decay = [p for n, p in model.named_parameters() if not ("bias" in n or "LayerNorm.weight" in n)]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n or "LayerNorm.weight" in n]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=0.01), dict(params=no_decay, weight_decay=0.0)], lr=lr, eps=1e-6)
    lengths = [len(f[0]) for f in feats]
    per_epoch = len(buckets(lengths, batch, a.seed, 0))
    total = a.steps or per_epoch * epochs
    warmup = int(round(total * warm))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    model.train()
    step, started, tokens, before, resumed_loss = 0, time.time(), 0, 0.0, None
    if a.state and os.path.exists(a.state):
        st = torch.load(a.state, weights_only=False)
        if st["args"] != state_args(a):
            sys.exit(f"torch_finetune.py: {a.state} was saved by a run with other flags: {st['args']}")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        torch.set_rng_state(st["rng"])
        step, tokens, before, resumed_loss = st["step"], st["tokens"], st["seconds"], st.get("final_loss")
        print(f"resumed from {a.state} at step {step}", file=sys.stderr)
    stop, previous = [], {}
    if a.state:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda n, f: stop.append(n))
    saved_at = time.time()

    def save():
        tmp = a.state + ".tmp"
        torch.save(dict(args=state_args(a), model=model.state_dict(), opt=opt.state_dict(), sched=sched.state_dict(),
                        rng=torch.get_rng_state(), step=step, tokens=tokens, seconds=before + time.time() - started,
                        final_loss=final_loss), tmp)
        os.replace(tmp, a.state)
    final_loss = resumed_loss
    every_batch = (b for epoch in itertools.count() for b in buckets(lengths, batch, a.seed, epoch))
    # One batch per step: a resumed run skips the `step` batches it trained before.
    for b in itertools.islice(every_batch, step, total):
        rows = [feats[i] for i in b]
        ids, types, mask, T = pad(rows, tok)
        tokens += int(mask.sum())
        if a.task == "qa":
            # The mean over a window's answers of (CE(start) + CE(end)) / 2: soft targets with
            # 1/k on each of k answers (with one answer, transformers' own loss).
            out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
            qs, qe = torch.zeros(len(rows), T), torch.zeros(len(rows), T)
            for r, row in enumerate(rows):
                k = len(row[2]) // 2
                for j in range(k):
                    qs[r, row[2][2 * j]] += 1.0 / k
                    qe[r, row[2][2 * j + 1]] += 1.0 / k
            out = SimpleNamespace(loss=-0.5 * ((torch.log_softmax(out.start_logits, -1) * qs).sum()
                                                     + (torch.log_softmax(out.end_logits, -1) * qe).sum()) / len(rows))
        elif a.task == "pos":
            lab = torch.tensor([r[2] + [-100] * (T - len(r[2])) for r in rows])
            out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=lab)
        else:
            out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=torch.tensor([r[2][0] for r in rows]))
        opt.zero_grad()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        final_loss = round(out.loss.item(), 6)
        if step % 50 == 0:
            print(f"step {step}/{total} loss {out.loss.item():.4f}", file=sys.stderr)
        if a.state and (stop or time.time() - saved_at > 60 * a.save_minutes) and step < total:
            save()
            saved_at = time.time()
            if stop:
                print(f"stopped at step {step}; state in {a.state} (run again with the same flags to resume)", file=sys.stderr)
                sys.exit(3)
    seconds = before + time.time() - started
    if a.state:
        save()  # a run stopped during its (long) evaluation resumes straight into it
    for sig, handler in previous.items():
        signal.signal(sig, handler)

    model.eval()
    metrics = {}
    with torch.no_grad():
        if a.task == "qa":
            em = f1s = 0.0
            for s in range(0, len(dev), 32):
                chunk = dev[s:s + 32]
                e = windows(chunk)
                best = {}
                for w0 in range(0, len(e["input_ids"]), 64):
                    rows = [(e["input_ids"][k], e["token_type_ids"][k]) for k in range(w0, min(w0 + 64, len(e["input_ids"])))]
                    ids, types, mask, T = pad(rows, tok)
                    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
                    for r in range(len(rows)):
                        k = w0 + r
                        item = e["overflow_to_sample_mapping"][k]
                        seq, offs = e.sequence_ids(k), e["offset_mapping"][k]
                        ctx = [i for i, q in enumerate(seq) if q == 1]
                        sl, el = out.start_logits[r].tolist(), out.end_logits[r].tolist()
                        starts = sorted(ctx, key=lambda i: -sl[i])[:20]
                        ends = sorted(ctx, key=lambda i: -el[i])[:20]
                        for i in starts:
                            for j in ends:
                                if j < i or j - i + 1 > 30:
                                    continue
                                score = sl[i] + el[j]
                                if item not in best or score > best[item][0]:
                                    best[item] = (score, chunk[item][2][offs[i][0]:offs[j][1]])
                for item, (_, _, _, answers) in enumerate(chunk):
                    pred = best.get(item, (0, ""))[1]
                    golds = [x["text"] for x in answers]
                    em += max(float(normalize(pred) == normalize(g)) for g in golds)
                    f1s += max(f1(pred, g) for g in golds)
            metrics = {"exact_match": 100 * em / len(dev), "f1": 100 * f1s / len(dev), "examples": len(dev)}
        else:
            correct = total_n = 0
            for s in range(0, len(dev_feats), 64):
                rows = dev_feats[s:s + 64]
                ids, types, mask, T = pad(rows, tok)
                logits = model(input_ids=ids, token_type_ids=types, attention_mask=mask).logits
                pred = logits.argmax(-1).tolist()
                for r, row in enumerate(rows):
                    if a.task == "pos":
                        for t, g in enumerate(row[2]):
                            if g >= 0:
                                correct += int(pred[r][t] == g)
                                total_n += 1
                    else:
                        correct += int(pred[r] == row[2][0])
                        total_n += 1
            if a.task == "pos":  # accuracy over words: words lost to truncation count as wrong
                total_n = sum(len(w) for w, _ in dev)
            metrics = {"accuracy": correct / max(total_n, 1), "examples": len(dev)}
    print(json.dumps({"task": a.task, "steps": step, "seconds": round(seconds, 1), "tokens_per_s": round(tokens / seconds, 1),
                      "final_loss": final_loss,
                      "lr": lr, "epochs": epochs, "batch": batch, "max_length": max_len, **metrics}))


if __name__ == "__main__":
    main()
