import Foundation
import Testing
@testable import SeqTasks

/// SQuAD v1.1 EM/F1 against the official `evaluate-v1.1.py`, worked by hand below.
struct SQuADScoreTests {
    @Test func normalization() {
        // lower → drop string.punctuation → articles as whole words → single spaces.
        #expect(SQuADScore.normalizeAnswer("The  Eiffel Tower!") == "eiffel tower")
        #expect(SQuADScore.normalizeAnswer("an apple, a pear and THE fig.") == "apple pear and fig")
        // "a" inside words stays; "a-b" loses "-" first, giving the word "ab".
        #expect(SQuADScore.normalizeAnswer("Banana a-b theatre") == "banana ab theatre")
        // Unicode punctuation is not in string.punctuation: kept, and it is not a word
        // character, so "the" between “ and ” is still a whole word.
        #expect(SQuADScore.normalizeAnswer("“The cat”") == "“ cat”")
        #expect(SQuADScore.normalizeAnswer("x—the—y") == "x— —y")
        #expect(SQuADScore.normalizeAnswer("café «a» l'été") == "café « » lété")
        // Python's lower(): final sigma, and İ → i + U+0307.
        #expect(SQuadLower("ΟΔΟΣ ΣΑΣ") == "οδος σας")
        #expect(SQuadLower("İ") == "i\u{307}")
        // A combining mark is not \w in Python's re, so "a" before U+0301 is a whole word.
        #expect(SQuADScore.normalizeAnswer("a\u{301}") == "\u{301}")
        #expect(SQuADScore.normalizeAnswer("") == "")
        #expect(SQuADScore.normalizeAnswer(" the ") == "")
        // Non-breaking and ideographic spaces are whitespace to str.split().
        #expect(SQuADScore.normalizeAnswer("New\u{A0}York\u{3000}City") == "new york city")
    }

    func SQuadLower(_ s: String) -> String { PythonText.string(SQuADScore.lower(PythonText.scalars(s))) }

    @Test func exactMatch() {
        #expect(SQuADScore.exactMatch(prediction: "the Eiffel tower.", groundTruth: "Eiffel Tower"))
        #expect(!SQuADScore.exactMatch(prediction: "Eiffel", groundTruth: "Eiffel Tower"))
        #expect(!SQuADScore.exactMatch(prediction: "“Eiffel Tower”", groundTruth: "Eiffel Tower"))
        // Empty answers: both normalise to "", so exact match holds.
        #expect(SQuADScore.exactMatch(prediction: "", groundTruth: ""))
        #expect(SQuADScore.exactMatch(prediction: "The.", groundTruth: ""))
    }

    @Test func f1ByHand() {
        // pred "the cat sat on the mat" → [cat, sat, on, mat]; truth "a cat on a mat" →
        // [cat, on, mat]; shared 3: P = 3/4, R = 3/3, F1 = 2·0.75·1/1.75 = 6/7.
        #expect(SQuADScore.f1(prediction: "the cat sat on the mat", groundTruth: "a cat on a mat") == (2 * 0.75 * 1.0) / 1.75)
        // Counter intersection clips: pred [x, x, x] vs truth [x, y]: shared min(3,1) = 1,
        // P = 1/3, R = 1/2, F1 = 2·(1/3)·(1/2)/(5/6) = 0.4.
        let p = 1.0 / 3, r = 1.0 / 2
        #expect(SQuADScore.f1(prediction: "x x x", groundTruth: "x y") == (2 * p * r) / (p + r))
        // Nothing shared, or either side empty: 0 (even for two empty answers, where EM is 1).
        #expect(SQuADScore.f1(prediction: "dog", groundTruth: "cat") == 0)
        #expect(SQuADScore.f1(prediction: "", groundTruth: "") == 0)
        #expect(SQuADScore.f1(prediction: "a", groundTruth: "cat") == 0)
        // Unicode punctuation stays glued: “cat” ≠ cat.
        #expect(SQuADScore.f1(prediction: "“cat”", groundTruth: "cat") == 0)
        // Identical: 1.
        #expect(SQuADScore.f1(prediction: "Denver Broncos", groundTruth: "denver broncos!") == 1)
    }

    @Test func maxOverGroundTruthsAndDatasetAverage() {
        // q1: pred "Denver Broncos" vs ["Denver Broncos", "The Denver Broncos"]: EM 1, F1 1.
        // q2: pred "Carolina" vs ["Carolina Panthers", "Panthers"]: EM 0;
        //     F1 max(2·1·0.5/1.5 = 2/3, 0) = 2/3.
        // q3: pred "" vs ["Santa Clara"]: EM 0, F1 0.
        // q4: no prediction: counts 0 in the average.
        // EM = 100·1/4 = 25; F1 = 100·(1 + 2/3)/4.
        let questions = [
            SQuADScore.Question(id: "q1", answers: ["Denver Broncos", "The Denver Broncos"]),
            SQuADScore.Question(id: "q2", answers: ["Carolina Panthers", "Panthers"]),
            SQuADScore.Question(id: "q3", answers: ["Santa Clara"]),
            SQuADScore.Question(id: "q4", answers: ["Levi's Stadium"]),
        ]
        let r = SQuADScore.evaluate(questions: questions, predictions: ["q1": "Denver Broncos", "q2": "Carolina", "q3": ""])
        #expect(r.exactMatch == 25)
        let f2 = (2 * 1.0 * 0.5) / (1.0 + 0.5)
        #expect(r.f1 == 100.0 * (0 + 1.0 + f2 + 0) / 4)
        #expect(SQuADScore.score(prediction: "x", groundTruths: []) == SQuADScore.Result(exactMatch: 0, f1: 0))
        #expect(SQuADScore.evaluate(questions: [], predictions: [:]) == SQuADScore.Result(exactMatch: 0, f1: 0))
    }
}
