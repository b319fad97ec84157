"""Golden values for seq's BLEU, chrF and 13a tokenizer (Tests/SeqTasksTests/MetricsGoldenTests.swift).

Runs sacreBLEU's defaults (BLEU(): tokenize 13a, mixed case, smooth exp, 4-grams,
effective order off; CHRF(): char order 6, word order 0, beta 2, whitespace off, eps
smoothing off) on hypothesis/reference pairs that exercise the tricky parts, and on a few
multi-sentence corpora, plus 120 seeded random pairs over an alphabet of the characters
the rules care about, and SQuAD v1.1 EM/F1 by the official script's functions
(transcribed below) on unicode and empty answers; writes Tests/SeqTasksTests/Fixtures/metrics_golden.json.

    PY=/root/.cache/seq-ref/venv/bin/python   # sacrebleu 2.6.0
    $PY bench/golden/metrics_golden.py

Each pair is scored as a one-line corpus (corpus_score, which is what `sacrebleu` and
`seq evaluate` compute), not with sentence_bleu's effective order.
"""
import json
import os
import random
import re
import string
from collections import Counter

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

PAIRS = [
    # (hypothesis, reference)
    ("The cat sat on the mat.", "The cat sat on the mat."),
    ("The cat sat on the mat.", "The cat is sitting on the mat."),
    ("the cat", "The cat sat on the mat."),
    ("It costs 1,000.50 dollars, or 3.5% more.", "It costs 1,000.50 dollars, or 3.5 % more."),
    ("Numbers: 1.5, 2,3 and .5 or 5. and ,7", "Numbers: 1.5, 2,3 and .5 or 5. and ,7"),
    ("He said \"hello\" and 'bye'.", "He said &quot;hello&quot; and 'bye'."),
    ("Tom &amp; Jerry &lt;3 &gt; all", "Tom & Jerry <3 > all"),
    ("&amp;quot; &amp;lt; &ampamp; & ;", "&quot; < &amp; & ;"),
    ("state-of-the-art well-known", "state - of - the - art well-known"),
    ("pages 10-20 and 3-4-5", "pages 10 - 20 and 3-4-5"),
    ("Zürich is ünique… naïve café — “quoted” «guillemets»", "Zürich is unique... naive cafe - \"quoted\" <<guillemets>>"),
    ("日本語のテキスト。句読点、あり", "日本語のテキスト。 句読点、 あり"),
    ("", "Something here."),
    ("Something here.", ""),
    ("", ""),
    ("completely different words entirely", "nothing in common at all here"),
    ("a b c d", "d c b a"),
    ("one two three", "one two three four five six"),
    ("Yes", "Yes"),
    ("Yes.", "No."),
    ("THE CAT SAT", "the cat sat"),
    ("Hello, World!", "hello, world!"),
    ("a <skipped> b", "a b"),
    ("e-mail me at x@y.com (or not)!", "email me at x@y.com or not!"),
    ("Tabs\tand  double  spaces ", "Tabs and double spaces"),
    ("Ellipsis... and?! multiple!!! marks", "Ellipsis ... and ? ! multiple ! ! ! marks"),
    ("$5.00 costs #1 ~ ^ _ ` | { } [ ] \\ / @", "$5.00 costs #1 ~ ^ _ ` | { } [ ] \\ / @"),
    ("3.14,2.71;1:2", "3.14, 2.71; 1:2"),
    ("Mr. Smith's U.S.A. trip.", "Mr. Smith's U.S.A. trip ."),
    ("x" * 5, "x" * 5),
    ("the the the the the the the", "The cat is on the mat."),
    ("Non\u00a0breaking\u2009thin\u3000ideographic space", "Non breaking thin ideographic space"),
    ("café", "cafe\u0301"),
    ("Emoji 😀 test 👍🏽!", "Emoji 😀 test 👍!"),
    ("Ωμέγα ΣΊΣΥΦΟΣ σοφός.", "Ωμέγα Σίσυφος σοφός."),
    ("a-\nb", "ab"),
    ("trailing dash- and -leading", "trailing dash - and - leading"),
    ("1-2 a-1 1- -1", "1 - 2 a-1 1 - -1"),
    ("It is a guide to action which ensures that the military always obeys the commands of the party.",
     "It is a guide to action that ensures that the military will forever heed Party commands."),
    ("It is to insure the troops forever hearing the activity guidebook that party direct.",
     "It is the guiding principle which guarantees the military forces always being under the command of the Party."),
    ("he read the book because he was interested in world history",
     "he was interested in world history because he read the book"),
    ("..,,..", ". , , ."),
]

CORPORA = [
    # The sacreBLEU README example.
    (["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."],
     ["The dog bit the man.", "It was not unexpected.", "The man bit him first."]),
    # Papineni et al. 2002 style sentences plus short and empty lines.
    ([PAIRS[38][0], PAIRS[39][0], "", "Yes", "1,000.50 $ &amp; co."],
     [PAIRS[38][1], PAIRS[39][1], "Nothing.", "Yes", "1,000.50$ & co."]),
    # No 4-gram matches anywhere: exp smoothing on the 4-gram precision.
    (["a b c x", "d e f y"], ["a b c d", "d e f g"]),
    # All pairs at once.
    ([h for h, _ in PAIRS], [r for _, r in PAIRS]),
]


# Random lines over an alphabet of what the 13a rules and chrF care about, seeded.
ALPHABET = list("ab AB 01 9.,-&;<>\"'()$%/") + ["&amp;", "&quot;", "&lt;", "&gt;", "<skipped>", "-\n",
                                              "\t", "\u00a0", "\u2009", "é", "\u0301", "—", "“", "…", "😀", "x1.5"]


def random_pairs(count, seed=13):
    rng = random.Random(seed)
    def line():
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24)))
    return [(line(), line()) for _ in range(count)]


# SQuAD v1.1: the functions of the official evaluate-v1.1.py, transcribed.
def normalize_answer(s):
    def remove_articles(text):
        return re.sub(r'\b(a|an|the)\b', ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def f1_score(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def exact_match_score(prediction, ground_truth):
    return (normalize_answer(prediction) == normalize_answer(ground_truth))


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    return max(metric_fn(prediction, gt) for gt in ground_truths)


SQUAD = [
    # (prediction, ground truths)
    ("Denver Broncos", ["Denver Broncos", "The Denver Broncos"]),
    ("Carolina", ["Carolina Panthers", "Panthers"]),
    ("", ["Santa Clara"]),
    ("", [""]),
    ("the", [""]),
    ("“The Broncos”", ["Broncos"]),
    ("Broncos’", ["Broncos'"]),
    ("ΟΔΟΣ ΣΑΣ", ["οδος σας"]),
    ("İstanbul", ["istanbul"]),
    ("a\u0301 b", ["b"]),
    ("x—the—y", ["x— —y"]),
    ("New\u00a0York\u3000City", ["new york city"]),
    ("an apple a day", ["apple day", "an apple"]),
    ("1,000 km/h", ["1000 kmh"]),
    ("the the the cat", ["cat the"]),
    ("Straße", ["strasse", "straße"]),
    ("ＡＢＣ", ["ａｂｃ"]),
    ("_the_ a_b", ["the ab"]),
    ("a²b the² ½", ["ab ½"]),
    ("l'été à Paris", ["lete a paris", "l'été à paris!"]),
]


def bleu_dict(score):
    return {
        "score": score.score,
        "precisions": list(score.precisions),
        "counts": list(score.counts),
        "totals": list(score.totals),
        "bp": score.bp,
        "sys_len": score.sys_len,
        "ref_len": score.ref_len,
    }


def main():
    tok = Tokenizer13a()
    bleu, chrf = BLEU(), CHRF()
    pairs = []
    for hyp, ref in PAIRS:
        pairs.append({
            "hyp": hyp,
            "ref": ref,
            # What BLEU tokenizes: the line after rstrip(), as BLEU._preprocess_segment does.
            "hyp_13a": tok(hyp.rstrip()),
            "ref_13a": tok(ref.rstrip()),
            "bleu": bleu_dict(bleu.corpus_score([hyp], [[ref]])),
            "chrf": chrf.corpus_score([hyp], [[ref]]).score,
        })
    random_lines = []
    for hyp, ref in random_pairs(120):
        random_lines.append({
            "hyp": hyp,
            "ref": ref,
            "hyp_13a": tok(hyp.rstrip()),
            "ref_13a": tok(ref.rstrip()),
            "bleu": bleu_dict(bleu.corpus_score([hyp], [[ref]])),
            "chrf": chrf.corpus_score([hyp], [[ref]]).score,
        })
    squad = []
    for prediction, truths in SQUAD:
        squad.append({
            "prediction": prediction,
            "ground_truths": truths,
            "normalized": normalize_answer(prediction),
            "exact_match": int(metric_max_over_ground_truths(exact_match_score, prediction, truths)),
            "f1": float(metric_max_over_ground_truths(f1_score, prediction, truths)),
        })
    em = sum(q["exact_match"] for q in squad)
    f1 = 0
    for q in squad:
        f1 += metric_max_over_ground_truths(f1_score, q["prediction"], q["ground_truths"])
    squad_total = {"exact_match": 100.0 * em / len(squad), "f1": 100.0 * f1 / len(squad)}
    corpora = []
    for hyps, refs in CORPORA:
        corpora.append({
            "hyps": hyps,
            "refs": refs,
            "bleu": bleu_dict(bleu.corpus_score(hyps, [refs])),
            "chrf": chrf.corpus_score(hyps, [refs]).score,
        })
    out = {
        "script": "bench/golden/metrics_golden.py",
        "sacrebleu": sacrebleu.__version__,
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
        "pairs": pairs,
        "random_pairs": random_lines,
        "corpora": corpora,
        "squad": squad,
        "squad_total": squad_total,
    }
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "Tests", "SeqTasksTests", "Fixtures", "metrics_golden.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {path}: {len(pairs)} pairs, {len(random_lines)} random pairs, {len(corpora)} corpora, "
          f"{len(squad)} SQuAD questions")


if __name__ == "__main__":
    main()
