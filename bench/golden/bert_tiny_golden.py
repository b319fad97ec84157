#!/usr/bin/env python3
"""Model-level golden values for seq's BertForMaskedLM, from transformers (CPU, float32).

Regenerate (from the repository root, with the reference venv of ../shared/ref):

    PY=$(bash ../shared/ref/setup.sh | tail -n 1)
    "$PY" bench/golden/bert_tiny_golden.py

This writes Tests/SeqModelsTests/Fixtures/bert_tiny/:
  config.json                     a tiny BertForMaskedLM (vocab 67, hidden 32, 2 layers,
                                  4 heads, intermediate 37, 24 positions, 2 token types,
                                  erf gelu, eps 1e-12, no dropout). Its weights are not a file:
                                  `formula_weights` computes them from each parameter's name
                                  and index, and the Swift test computes the same values (no
                                  weights are committed);
  golden.json                     the names and shapes transformers' save_pretrained writes,
                                  one padded batch [2, 11] with both token types, the last
                                  hidden state, MLM labels (-100 = not predicted), the MLM
                                  loss, every parameter's gradient at step 0 under seq's
                                  names, and the losses and weights of 3 torch.optim.AdamW
                                  steps on that batch (two groups: weight decay 0.01 except
                                  names containing "bias" or "LayerNorm.weight").
Tests/SeqModelsTests/BertTinyGoldenTests.swift checks seq against these files; it needs
neither Python nor ../shared.

The word-embedding matrix is tied to the MLM decoder (`cls.predictions.decoder.weight`):
both are one tensor, whose gradient (both contributions) is stored once under
`bert.embeddings.word_embeddings.weight`, as seq has one Parameter. The output bias is
stored as `cls.predictions.bias` (transformers ties `cls.predictions.decoder.bias` to it).

Round trip (optional, not run in CI): check that a directory *seq* wrote loads in
transformers and gives its logits:

    SEQ_BERT_TINY_SAVE_DIR=/tmp/seq-bert-tiny swift test --skip-build --filter BertTinyGolden
    "$PY" bench/golden/bert_tiny_golden.py --check-roundtrip /tmp/seq-bert-tiny

The test saves the fixture model after its 3 AdamW steps there; the script loads it with
BertForMaskedLM.from_pretrained (no missing, unexpected or mismatched keys, decoder tied to
the embeddings), compares every tensor with its own model after the same 3 steps and the
MLM logits on the golden batch, prints the largest differences and exits 1 above 1e-4.
"""
import argparse
import json
import math
import os
import sys
import tempfile

import torch
import transformers
from safetensors import safe_open
from transformers import BertConfig, BertForMaskedLM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "SeqModelsTests", "Fixtures", "bert_tiny")
STEPS = 3
LR, BETAS, EPS, WEIGHT_DECAY = 1e-3, (0.9, 0.999), 1e-6, 0.01
PAD, CLS, SEP, MASK = 0, 2, 3, 1

CONFIG = dict(vocab_size=67, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
              max_position_embeddings=24, type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12,
              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, initializer_range=0.02, pad_token_id=PAD)

# Two sequences of 11 and 8 tokens ([CLS] A [SEP] B [SEP]); the second is padded to 11.
# Ids 4..66 are ordinary tokens. `masked` lists (position, what the input shows there):
# mostly [MASK], one random replacement and one kept token, like BERT's 80/10/10 rule.
ROWS = [
    dict(tokens=[CLS, 17, 42, 5, 63, SEP, 28, 9, 51, 33, SEP], types=[0] * 6 + [1] * 5,
         masked=[(1, MASK), (4, MASK), (7, 40), (9, 33)]),
    dict(tokens=[CLS, 61, 12, SEP, 47, 8, 25, SEP], types=[0] * 4 + [1] * 4,
         masked=[(2, MASK), (5, MASK), (6, MASK)]),
]
T = max(len(r["tokens"]) for r in ROWS)


def seq_name(hf_name):
    """seq's parameter name for a transformers parameter name (None: not a seq parameter)."""
    if hf_name == "cls.predictions.decoder.weight":
        return "bert.embeddings.word_embeddings.weight"
    if hf_name == "cls.predictions.decoder.bias":
        return "cls.predictions.bias"
    return hf_name


def batch():
    ids, types, mask, labels = [], [], [], []
    for r in ROWS:
        n = len(r["tokens"])
        row_ids = list(r["tokens"]) + [PAD] * (T - n)
        row_labels = [-100] * T
        for pos, shown in r["masked"]:
            row_labels[pos] = r["tokens"][pos]
            row_ids[pos] = shown
        ids.append(row_ids)
        types.append(list(r["types"]) + [0] * (T - n))
        mask.append([1] * n + [0] * (T - n))
        labels.append(row_labels)
    t = lambda x: torch.tensor(x, dtype=torch.long)
    return t(ids), t(types), t(mask), t(labels)


def formula_weights(name, count):
    """The values of parameter `name` (flat, `count` of them), computed in float64 with
    libm's sin and cos and rounded to float32, exactly as BertTinyGoldenTests.formulaWeights
    does: u_i = sin(0.9(i+1) + k)·cos(0.37(i+1)(1 + k mod 7)), k = (Σ UTF-8 bytes of name)
    mod 97. Spread wider than BERT's 0.02 init, so attention is far from uniform and the
    logits far from flat; biases and LayerNorm parameters away from 0/1, so that their
    gradients are checked meaningfully."""
    k = sum(name.encode()) % 97
    u = [math.sin(0.9 * (i + 1) + k) * math.cos(0.37 * (i + 1) * (1 + k % 7)) for i in range(count)]
    if name.endswith("LayerNorm.weight"):
        return [1.0 + 0.2 * x for x in u]
    if name.endswith("bias"):
        return [0.1 * x for x in u]
    if "embeddings" in name:
        return [0.4 * x for x in u]
    return [0.15 * x for x in u]


def build_model():
    """The tiny model with `formula_weights`."""
    config = BertConfig(**CONFIG)
    config._attn_implementation = "eager"   # the plain softmax path, as the fixture was first made
    model = BertForMaskedLM(config)
    model.eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            values = torch.tensor(formula_weights(seq_name(name), p.numel()), dtype=torch.float64)
            p.copy_(values.to(torch.float32).reshape(p.shape))
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    return model


def forward(model, ids, types, mask, labels):
    return model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=labels, output_hidden_states=True)


def optimizer(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():  # each tensor once: the tied decoder is skipped
        (no_decay if ("bias" in name or "LayerNorm.weight" in name) else decay).append(p)
    return torch.optim.AdamW([dict(params=decay, weight_decay=WEIGHT_DECAY), dict(params=no_decay, weight_decay=0.0)],
                             lr=LR, betas=BETAS, eps=EPS)


def train(model, ids, types, mask, labels):
    """STEPS AdamW steps on the same batch; returns the loss before each step."""
    opt = optimizer(model)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        out = forward(model, ids, types, mask, labels)
        out.loss.backward()
        losses.append(out.loss.item())
        opt.step()
    return losses


def g8(x):
    return float(f"{x:.8g}")


def flat(t):
    return [g8(v) for v in t.detach().reshape(-1).tolist()]


def saved_layout(model):
    """Names and shapes of the tensors save_pretrained writes (tied ones once)."""
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        with safe_open(os.path.join(tmp, "model.safetensors"), framework="pt") as f:
            return {k: list(f.get_slice(k).get_shape()) for k in f.keys()}


def generate():
    torch.set_num_threads(1)
    model = build_model()
    os.makedirs(OUT, exist_ok=True)
    model.config.architectures = ["BertForMaskedLM"]
    model.config.save_pretrained(OUT)
    layout = saved_layout(model)
    ids, types, mask, labels = batch()
    out = forward(model, ids, types, mask, labels)
    out.loss.backward()
    grads, shapes = {}, {}
    for name, p in model.named_parameters():
        key = seq_name(name)
        assert key not in grads, f"{key} reached twice"
        grads[key] = flat(p.grad)
        shapes[key] = list(p.shape)
    hidden = out.hidden_states[-1]

    model.zero_grad()
    losses = train(model, ids, types, mask, labels)
    final_loss = forward(model, ids, types, mask, labels).loss.item()
    weights = {seq_name(n): flat(p) for n, p in model.named_parameters()}

    golden = {
        "generator": "bench/golden/bert_tiny_golden.py",
        "torch": torch.__version__, "transformers": transformers.__version__,
        "input_ids": ids.tolist(), "token_type_ids": types.tolist(), "attention_mask": mask.tolist(),
        "labels": labels.tolist(),
        "last_hidden_state_shape": list(hidden.shape), "last_hidden_state": flat(hidden),
        "mlm_loss": g8(out.loss.item()),
        "parameter_shapes": shapes,
        "saved_tensors": layout,
        "gradients": grads,
        "adamw": dict(lr=LR, betas=list(BETAS), eps=EPS, weight_decay=WEIGHT_DECAY,
                      no_decay='names containing "bias" or "LayerNorm.weight"'),
        "losses": [g8(l) for l in losses],
        "loss_after_steps": g8(final_loss),
        "weights_after_steps": weights,
    }
    path = os.path.join(OUT, "golden.json")
    with open(path, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}/config.json, golden.json ({os.path.getsize(path)} bytes)")
    print(f"mlm loss {out.loss.item():.6f}; losses {losses}; after {STEPS} steps {final_loss:.6f}")


def check_roundtrip(directory):
    torch.set_num_threads(1)
    loaded, info = BertForMaskedLM.from_pretrained(directory, attn_implementation="eager", output_loading_info=True)
    loaded.eval()
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if problems:
        print(f"{directory}: transformers reports {problems}")
    tied = loaded.cls.predictions.decoder.weight is loaded.bert.embeddings.word_embeddings.weight
    print(f"decoder tied to the word embeddings: {tied}")

    reference = build_model()
    ids, types, mask, labels = batch()
    train(reference, ids, types, mask, labels)
    ref_state, state = reference.state_dict(), loaded.state_dict()
    # The attention key biases have a zero gradient (softmax ignores a shift shared by all
    # keys); Adam moves them by rounding noise, ~3e-5 in 3 steps, differently in seq and torch.
    worst_w, worst_name = max(((ref_state[k] - state[k]).abs().max().item(), k) for k in ref_state)
    with torch.no_grad():
        a = forward(reference, ids, types, mask, labels)
        b = forward(loaded, ids, types, mask, labels)
    worst_l = (a.logits - b.logits).abs().max().item()
    print(f"transformers loading info: {dict(info)}")
    print(f"max |Δ| weights {worst_w:.3g} ({worst_name}), MLM logits {worst_l:.3g}, loss {a.loss.item():.7f} vs {b.loss.item():.7f}")
    ok = not problems and tied and worst_w <= 1e-4 and worst_l <= 1e-4
    print("round trip OK" if ok else "round trip FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-roundtrip", metavar="DIR",
                        help="load a directory seq saved (the test's SEQ_BERT_TINY_SAVE_DIR) and compare it")
    args = parser.parse_args()
    sys.exit(check_roundtrip(args.check_roundtrip) if args.check_roundtrip else generate())
