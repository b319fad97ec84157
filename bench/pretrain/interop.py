#!/usr/bin/env python3
"""Interoperability check: a checkpoint written by `seq pretrain` loads in transformers'
BertForMaskedLM (BertForPreTraining for --nsp checkpoints) and gives the same MLM logits as
seq for a test sentence (max |difference| <= 1e-4), and transformers' tokenizer loaded from
the same directory gives the same ids.

    /root/.cache/seq-ref/venv/bin/python bench/pretrain/interop.py [MODEL_DIR ...]

Without a directory, trains two small models first (seq pretrain on the bundled corpus, 30
steps, with and without --nsp) in a temporary directory. Prints one JSON line per model.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEQ = os.environ.get("SEQ", str(ROOT / ".build" / "release" / "seq"))
TEXTS = ["the quiet harbor kept its [MASK] lanterns until the storm .",
         "Did one fern read this cathedral? Björn admired every cocoa at the forest edge!"]


def check(model_dir):
    import numpy as np
    import torch
    from transformers import AutoTokenizer, BertForMaskedLM, BertForPreTraining
    config = json.load(open(Path(model_dir) / "config.json"))
    arch = (config.get("architectures") or ["BertForMaskedLM"])[0]
    cls = BertForPreTraining if arch == "BertForPreTraining" else BertForMaskedLM
    model = cls.from_pretrained(model_dir, attn_implementation="eager").eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    worst = 0.0
    ids_equal = True
    for text in TEXTS:
        out = subprocess.run([SEQ, "mlm-logits", "--model", str(model_dir), "--text", text, "--threads", "2"],
                             check=True, capture_output=True, text=True).stdout
        seq = json.loads(out.strip().splitlines()[-1])
        ids = seq["ids"]
        ids_equal &= tok(text)["input_ids"] == ids
        with torch.no_grad():
            o = model(input_ids=torch.tensor([ids]))
            logits = (o.prediction_logits if arch == "BertForPreTraining" else o.logits)[0].numpy()
        diff = float(np.abs(logits - np.array(seq["logits"], dtype=np.float32)).max())
        worst = max(worst, diff)
    return {"model": str(model_dir), "architecture": arch, "loaded_by": cls.__name__, "texts": len(TEXTS),
            "vocab_size": config["vocab_size"], "max_abs_logit_diff": worst, "tokenizer_ids_equal": ids_equal,
            "pass": worst <= 1e-4 and ids_equal}


def main():
    dirs = sys.argv[1:]
    tmp = None
    if not dirs:
        tmp = tempfile.TemporaryDirectory()
        for extra, name in (([], "mlm"), (["--nsp"], "nsp")):
            out = Path(tmp.name) / name
            subprocess.run([SEQ, "pretrain", "--max-steps", "30", "--eval-every", "0", "--out", str(out)] + extra,
                           check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            dirs.append(str(out))
    results = [check(d) for d in dirs]
    for r in results:
        print(json.dumps(r))
    sys.exit(0 if all(r["pass"] for r in results) else 1)


if __name__ == "__main__":
    main()
