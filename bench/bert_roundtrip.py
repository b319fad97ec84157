#!/usr/bin/env python3
"""Round trip seq → safetensors → transformers → same outputs.

seq loads all-MiniLM-L6-v2, writes it back as a model directory of its own
(`seq embed --save-model DIR`: config.json + model.safetensors under Hugging Face names)
and embeds sentences; transformers then loads seq's directory and computes, for the same
sentences, the last hidden states (against the original checkpoint's) and the
sentence embeddings (against seq's). Run from the repo root:

    "$(bash ../shared/ref/setup.sh | tail -n 1)" bench/bert_roundtrip.py [--model DIR] [--lines N]

Last stdout line: one JSON object.
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np
import torch
from transformers import AutoTokenizer, BertModel

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--model", default=os.environ.get("SEQ_MINILM_DIR", os.path.expanduser("~/.cache/seq/minilm")))
ap.add_argument("--lines", type=int, default=200)
ap.add_argument("--seq", default=".build/release/seq")
args = ap.parse_args()

with open("../shared/data/sentiment/sst2/dev.tsv", encoding="utf-8") as f:
    sentences = [l.split("\t")[0] for l in f.read().splitlines()[1:args.lines + 1]]

out_dir = tempfile.mkdtemp(prefix="seq-roundtrip-")
proc = subprocess.run([args.seq, "embed", "--model", args.model, "--save-model", out_dir, "--threads", "2"],
                      input="\n".join(sentences) + "\n", capture_output=True, text=True, check=True)
seq_emb = np.array([json.loads(l) for l in proc.stdout.splitlines()])

torch.set_num_threads(2)
tok = AutoTokenizer.from_pretrained(out_dir)
theirs, info = BertModel.from_pretrained(out_dir, output_loading_info=True)   # seq's directory
theirs.eval()
original = BertModel.from_pretrained(args.model).eval()   # the published checkpoint
max_hidden, max_pool, embs = 0.0, 0.0, []
with torch.inference_mode():
    for s in sentences:
        enc = tok([s], truncation=True, max_length=128, return_tensors="pt")
        a, b = theirs(**enc), original(**enc)
        max_hidden = max(max_hidden, (a.last_hidden_state - b.last_hidden_state).abs().max().item())
        max_pool = max(max_pool, (a.pooler_output - b.pooler_output).abs().max().item())
        m = enc["attention_mask"].unsqueeze(-1).float()
        e = (a.last_hidden_state * m).sum(1) / m.sum(1)
        embs.append(torch.nn.functional.normalize(e, dim=-1)[0].numpy())
embs = np.array(embs)
cos = (embs * seq_emb).sum(1) / np.linalg.norm(embs, axis=1) / np.linalg.norm(seq_emb, axis=1)
res = {"sentences": len(sentences), "seq_dir_vs_original_max_abs_hidden": max_hidden,
       "seq_dir_vs_original_max_abs_pooler": max_pool,
       "transformers_on_seq_dir_vs_seq_min_cosine": float(cos.min()),
       "transformers_on_seq_dir_vs_seq_max_abs": float(np.abs(embs - seq_emb).max()),
       "missing_keys": sorted(info["missing_keys"]), "unexpected_keys": sorted(info["unexpected_keys"])}
print(json.dumps(res))
