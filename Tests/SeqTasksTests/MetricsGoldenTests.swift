import Foundation
import Testing
@testable import SeqTasks

/// seq's 13a tokenizer, BLEU and chrF against sacreBLEU 2.6.0's defaults on the pairs and
/// corpora of `bench/golden/metrics_golden.py` (`main`: `BLEU().corpus_score`,
/// `CHRF().corpus_score`, `Tokenizer13a()` on each rstripped line), stored in
/// Fixtures/metrics_golden.json. The bar is 0.01; every figure here is the same
/// double as sacreBLEU's (the same operations in the same order, glibc's log and exp).
struct MetricsGoldenTests {
    struct BLEUGolden: Decodable {
        var score: Double
        var precisions: [Double]
        var counts: [Int]
        var totals: [Int]
        var bp: Double
        var sys_len: Int
        var ref_len: Int
    }
    struct Pair: Decodable {
        var hyp: String
        var ref: String
        var hyp_13a: String
        var ref_13a: String
        var bleu: BLEUGolden
        var chrf: Double
    }
    struct Corpus: Decodable {
        var hyps: [String]
        var refs: [String]
        var bleu: BLEUGolden
        var chrf: Double
    }
    struct SQuADQuestion: Decodable {
        var prediction: String
        var ground_truths: [String]
        var normalized: String
        var exact_match: Int
        var f1: Double
    }
    struct SQuADTotal: Decodable {
        var exact_match: Double
        var f1: Double
    }
    struct Golden: Decodable {
        var sacrebleu: String
        var bleu_signature: String
        var chrf_signature: String
        var pairs: [Pair]
        var random_pairs: [Pair]
        var corpora: [Corpus]
        var squad: [SQuADQuestion]
        var squad_total: SQuADTotal
    }

    static let golden: Golden = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/metrics_golden.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    static let tolerance = 0.0

    func expectBLEU(_ s: BLEU.Score, _ g: BLEUGolden, _ label: String) {
        #expect(abs(s.score - g.score) <= Self.tolerance, "\(label): BLEU \(s.score) vs sacreBLEU \(g.score)")
        #expect(s.counts == g.counts, "\(label): counts")
        #expect(s.totals == g.totals, "\(label): totals")
        #expect(s.sysLen == g.sys_len && s.refLen == g.ref_len, "\(label): lengths \(s.sysLen)/\(s.refLen) vs \(g.sys_len)/\(g.ref_len)")
        #expect(abs(s.bp - g.bp) <= Self.tolerance, "\(label): bp \(s.bp) vs \(g.bp)")
        for (p, q) in zip(s.precisions, g.precisions) {
            #expect(abs(p - q) <= Self.tolerance, "\(label): precisions \(s.precisions) vs \(g.precisions)")
        }
    }

    @Test func fixtureIsWhatTheScriptWrote() {
        #expect(Self.golden.pairs.count >= 40)
        #expect(Self.golden.bleu_signature == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:\(Self.golden.sacrebleu)")
        #expect(Self.golden.chrf_signature == "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:\(Self.golden.sacrebleu)")
    }

    static var allPairs: [Pair] { golden.pairs + golden.random_pairs }

    @Test func tokenizer13aMatchesLineByLine() {
        for p in Self.allPairs {
            // The fixture tokenizes the rstripped line, as BLEU does.
            let hyp = PythonText.string(PythonText.rstripped(PythonText.scalars(p.hyp)))
            let ref = PythonText.string(PythonText.rstripped(PythonText.scalars(p.ref)))
            #expect(Tokenizer13a.tokenize(hyp) == p.hyp_13a, "hyp \(p.hyp.debugDescription)")
            #expect(Tokenizer13a.tokenize(ref) == p.ref_13a, "ref \(p.ref.debugDescription)")
        }
    }

    @Test func bleuOfEachPair() {
        for p in Self.allPairs {
            let s = BLEU.score(BLEU.statistics(hypothesis: p.hyp, reference: p.ref))
            expectBLEU(s, p.bleu, "\(p.hyp.debugDescription) vs \(p.ref.debugDescription)")
        }
    }

    @Test func chrfOfEachPair() {
        for p in Self.allPairs {
            let s = ChrF.score(ChrF.statistics(hypothesis: p.hyp, reference: p.ref))
            #expect(abs(s - p.chrf) <= Self.tolerance, "\(p.hyp.debugDescription) vs \(p.ref.debugDescription): chrF \(s) vs sacreBLEU \(p.chrf)")
        }
    }

    @Test func corpusScores() {
        for (i, c) in Self.golden.corpora.enumerated() {
            expectBLEU(BLEU.corpusScore(hypotheses: c.hyps, references: c.refs), c.bleu, "corpus \(i)")
            let chrf = ChrF.corpusScore(hypotheses: c.hyps, references: c.refs)
            #expect(abs(chrf - c.chrf) <= Self.tolerance, "corpus \(i): chrF \(chrf) vs sacreBLEU \(c.chrf)")
        }
    }

    /// SQuAD v1.1 by the official script's functions (`normalize_answer`, `f1_score`,
    /// `exact_match_score`, `metric_max_over_ground_truths`, `evaluate`'s averages).
    @Test func squadAgainstTheOfficialFunctions() {
        var questions: [SQuADScore.Question] = []
        var predictions: [String: String] = [:]
        for (i, q) in Self.golden.squad.enumerated() {
            #expect(SQuADScore.normalizeAnswer(q.prediction) == q.normalized, "\(q.prediction.debugDescription)")
            let r = SQuADScore.score(prediction: q.prediction, groundTruths: q.ground_truths)
            #expect(r.exactMatch == Double(q.exact_match) && r.f1 == q.f1,
                    "\(q.prediction.debugDescription) vs \(q.ground_truths): \(r) vs EM \(q.exact_match) F1 \(q.f1)")
            questions.append(SQuADScore.Question(id: "q\(i)", answers: q.ground_truths))
            predictions["q\(i)"] = q.prediction
        }
        let total = SQuADScore.evaluate(questions: questions, predictions: predictions)
        #expect(total.exactMatch == Self.golden.squad_total.exact_match)
        #expect(total.f1 == Self.golden.squad_total.f1)
    }

    /// Hand-checked: "a b c x" / "a b c d" and "d e f y" / "d e f g" share 6 of 8 unigrams,
    /// 4 of 6 bigrams, 2 of 4 trigrams and 0 of 2 four-grams; exp smoothing makes the last
    /// precision 100 / (2 · 2) = 25, so BLEU = exp((ln 75 + ln 66.67 + ln 50 + ln 25) / 4) = 50.
    @Test func expSmoothingByHand() {
        let s = BLEU.corpusScore(hypotheses: ["a b c x", "d e f y"], references: ["a b c d", "d e f g"])
        #expect(s.counts == [6, 4, 2, 0])
        #expect(s.totals == [8, 6, 4, 2])
        #expect(s.precisions == [75, 100.0 * 4 / 6, 50, 25])
        #expect(abs(s.score - 50) < 1e-9)
        #expect(s.bp == 1)
    }

    @Test func tokenizerPeriodsCommasAndEntities() {
        #expect(Tokenizer13a.tokenize("1,000.50, or .5 and 5.") == "1,000.50 , or . 5 and 5 .")
        #expect(Tokenizer13a.tokenize("&amp;lt; &amp;quot;") == "< & quot ;")
        #expect(Tokenizer13a.tokenize("a<skipped>b-\nc") == "abc")
        #expect(Tokenizer13a.tokenize("10-20 a-b") == "10 - 20 a-b")
        #expect(Tokenizer13a.tokenize("") == "")
        #expect(Tokenizer13a.tokens("x , y") == ["x", ",", "y"])
    }
}
