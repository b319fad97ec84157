#!/usr/bin/env python3
"""Golden values for seq's fine-tuning heads, from transformers (CPU, float32).

Regenerate (from the repository root, with the reference venv of ../shared/ref):

    ~/.cache/seq-ref/venv/bin/python bench/golden/bert_heads_golden.py

Writes Tests/SeqModelsTests/Fixtures/bert_heads/golden.json: for the tiny config of
bert_tiny_golden.py (hidden 32, 2 layers, no dropout) with three labels, and weights from the
same `formula_weights` (no weights are committed), on the same padded batch [2, 11]:
  BertForSequenceClassification   logits, loss (labels [2, 0]), gradients of the head, the
                                  pooler, one encoder matrix and the word embeddings;
  BertForTokenClassification      logits, loss (a label per real token, -100 on [CLS],
                                  [SEP] and padding), the same gradients without pooler;
  BertForQuestionAnswering        start/end logits, loss (start [3, 5], end [4, 6]), the
                                  same gradients;
and the names and shapes save_pretrained writes for each, with the config transformers
writes (`architectures`, `id2label`, `label2id`). Tests/SeqModelsTests/BertHeadsGoldenTests.swift
checks seq against it without Python.
"""
import json
import os
import sys
import tempfile

import torch
import transformers
from safetensors import safe_open
from transformers import BertConfig, BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_tiny_golden import CONFIG, ROOT, batch, flat, formula_weights  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "SeqModelsTests", "Fixtures", "bert_heads")
LABELS = ["negative", "neutral", "positive"]
CHECKED = ["bert.embeddings.word_embeddings.weight", "bert.encoder.layer.1.output.dense.weight",
           "bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias",
           "qa_outputs.weight", "qa_outputs.bias"]


def build(cls):
    config = BertConfig(**CONFIG, id2label=dict(enumerate(LABELS)), label2id={n: i for i, n in enumerate(LABELS)})
    if cls is BertForQuestionAnswering:
        config = BertConfig(**CONFIG)  # num_labels 2: qa_outputs is [2, hidden]
    config._attn_implementation = "eager"
    model = cls(config)
    model.eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(formula_weights(name, p.numel()), dtype=torch.float64).to(torch.float32).reshape(p.shape))
    return model


def layout(model):
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        with safe_open(os.path.join(tmp, "model.safetensors"), framework="pt") as f:
            shapes = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}
        with open(os.path.join(tmp, "config.json")) as f:
            config = json.load(f)
    return shapes, {k: config.get(k) for k in ("architectures", "id2label", "label2id")}


def gradients(model):
    return {n: flat(p.grad) for n, p in model.named_parameters() if n in CHECKED}


def main():
    torch.set_num_threads(1)
    ids, types, mask, _ = batch()
    golden = {"generator": "bench/golden/bert_heads_golden.py", "torch": torch.__version__,
              "transformers": transformers.__version__, "labels": LABELS,
              "input_ids": ids.tolist(), "token_type_ids": types.tolist(), "attention_mask": mask.tolist()}

    model = build(BertForSequenceClassification)
    labels = torch.tensor([2, 0])
    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=labels)
    out.loss.backward()
    shapes, config = layout(model)
    golden["sequence"] = dict(labels=labels.tolist(), logits=flat(out.logits), loss=out.loss.item(),
                              gradients=gradients(model), saved_tensors=shapes, config=config)

    model = build(BertForTokenClassification)
    token_labels = ((ids * 7 + torch.arange(ids.shape[1])) % 3).masked_fill((mask == 0) | (ids == 2) | (ids == 3), -100)
    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, labels=token_labels)
    out.loss.backward()
    shapes, config = layout(model)
    golden["token"] = dict(labels=token_labels.reshape(-1).tolist(), logits=flat(out.logits), loss=out.loss.item(),
                           gradients=gradients(model), saved_tensors=shapes, config=config)

    model = build(BertForQuestionAnswering)
    starts, ends = torch.tensor([3, 5]), torch.tensor([4, 6])
    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, start_positions=starts, end_positions=ends)
    out.loss.backward()
    shapes, config = layout(model)
    golden["qa"] = dict(start_positions=starts.tolist(), end_positions=ends.tolist(), start_logits=flat(out.start_logits),
                        end_logits=flat(out.end_logits), loss=out.loss.item(), gradients=gradients(model),
                        saved_tensors=shapes, config=config)

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}/golden.json: losses {golden['sequence']['loss']:.6f} {golden['token']['loss']:.6f} {golden['qa']['loss']:.6f}")


if __name__ == "__main__":
    main()
