import Foundation
import Testing
import SeqCore
@testable import SeqTasks

/// The fine-tuning readers: what they keep, and each kind of bad input named by file and
/// line, refused by default or skipped with a warning.
struct FineTuningDataTests {
    func file(_ text: String, _ name: String = "data.tsv") -> (String, URL) {
        let dir = Fixture.directory()
        return (Fixture.file(text, in: dir, name: name), dir)
    }

    func refused(_ body: (inout BadInputHandler) throws -> Void) -> InputProblem? {
        var h = BadInputHandler()
        do { try body(&h) } catch let e as InputProblem { return e } catch { return nil }
        return nil
    }

    @Test func glueKeepsSentenceAndLabel() throws {
        let (path, dir) = file("sentence\tlabel\nit was fine \t1\nit was dull \t0\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        var h = BadInputHandler()
        let rows = try TextClassificationData.glue(path: path, handler: &h)
        #expect(rows == [LabelledText(text: "it was fine ", label: "1", line: 2), LabelledText(text: "it was dull ", label: "0", line: 3)])
    }

    @Test func glueMissingLabelIsRefusedOrSkipped() throws {
        let (path, dir) = file("sentence\tlabel\nok \t1\nshort\nno label \t\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = refused { try TextClassificationData.glue(path: path, handler: &$0) }
        #expect(e?.file == path && e?.line == 3, "\(String(describing: e))")
        var warnings: [InputProblem] = []
        var h = BadInputHandler(policy: .skip) { warnings.append($0) }
        let rows = try TextClassificationData.glue(path: path, handler: &h)
        #expect(rows.map(\.line) == [2])
        #expect(warnings.map(\.line) == [3, 4] && h.skipped == 2)
        #expect(warnings[0].message.contains("1 tab-separated columns where the header has 2"))
        #expect(warnings[1].message.contains("the label is missing"))
    }

    @Test func emptyNonUTF8AndHugeLinesAreRefusedWithTheirLine() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = Fixture.file("", in: dir, name: "empty.tsv")
        #expect(refused { try TextClassificationData.glue(path: empty, handler: &$0) }?.message.contains("empty") == true)
        let latin1 = Fixture.file(Array("sentence\tlabel\ncaf".utf8) + [0xE9, 0x09, 0x31, 0x0A], in: dir, name: "latin1.tsv")
        let e = refused { try TextClassificationData.glue(path: latin1, handler: &$0) }
        #expect(e?.line == 2 && e?.message.contains("UTF-8") == true)
        let huge = Fixture.file("sentence\tlabel\n" + String(repeating: "a", count: DatasetLines.maxLineBytes + 1) + "\t1\n", in: dir, name: "huge.tsv")
        #expect(refused { try TextClassificationData.glue(path: huge, handler: &$0) }?.line == 2)
        #expect(refused { try CoNLLU.read(path: empty, handler: &$0) } != nil)
        #expect(refused { try SQuADData.read(path: empty, handler: &$0) } != nil)
        #expect(refused { try TextClassificationData.glue(path: dir.path, handler: &$0) }?.message.contains("directory") == true)
    }

    @Test func pairsReadSICKAndPlainTSV() throws {
        let sick = "pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\n1\tA dog runs\tAn animal runs\tENTAILMENT\t4.5\n"
        let (a, d1) = file(sick)
        let (b, d2) = file("A dog runs\tNobody runs\tcontradiction\n")
        defer { try? FileManager.default.removeItem(at: d1); try? FileManager.default.removeItem(at: d2) }
        var h = BadInputHandler()
        #expect(try TextClassificationData.pairs(path: a, handler: &h) == [LabelledText(text: "A dog runs", pair: "An animal runs", label: "entailment", line: 2)])
        #expect(try TextClassificationData.pairs(path: b, handler: &h) == [LabelledText(text: "A dog runs", pair: "Nobody runs", label: "contradiction", line: 1)])
    }

    /// Multiword-token ranges and empty nodes are not words (CoNLL-U: the range's words follow
    /// it; empty nodes are not in the surface sentence); comments are skipped.
    @Test func conlluKeepsSyntacticWordsOnly() throws {
        let text = """
            # text = I can't go
            1\tI\tI\tPRON\t_\t_\t3\tnsubj\t_\t_
            2-3\tcan't\t_\t_\t_\t_\t_\t_\t_\t_
            2\tca\tcan\tAUX\t_\t_\t4\taux\t_\t_
            3\tn't\tnot\tPART\t_\t_\t4\tadvmod\t_\t_
            3.1\tgo\tgo\tVERB\t_\t_\t_\t_\t_\t_
            4\tgo\tgo\tVERB\t_\t_\t0\troot\t_\t_

            1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_

            """
        let (path, dir) = file(text, "a.conllu")
        defer { try? FileManager.default.removeItem(at: dir) }
        var h = BadInputHandler()
        let s = try CoNLLU.read(path: path, handler: &h)
        #expect(s == [TaggedSentence(words: ["I", "ca", "n't", "go"], tags: ["PRON", "AUX", "PART", "VERB"], line: 2),
                      TaggedSentence(words: ["Hi"], tags: ["INTJ"], line: 9)])
    }

    @Test func conlluBadColumnCountNamesTheLine() throws {
        let (path, dir) = file("1\tA\ta\tDET\t_\t_\t0\troot\t_\t_\n2\tdog\tNOUN\n\n1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n", "b.conllu")
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = refused { try CoNLLU.read(path: path, handler: &$0) }
        #expect(e?.file == path && e?.line == 2 && e?.message.contains("3 tab-separated columns") == true)
        var h = BadInputHandler(policy: .skip)
        #expect(try CoNLLU.read(path: path, handler: &h).map(\.words) == [["Hi"]])
    }

    @Test func squadAnswerMustStandAtItsStart() throws {
        func json(_ start: Int) -> String {
            #"{"data": [{"paragraphs": [{"context": "Ada was born in Linmere.", "qas": [{"id": "q1", "question": "Where?", "answers": [{"text": "Linmere", "answer_start": \#(start)}]},"#
                + "\n" + #"{"id": "q2", "question": "Who?", "answers": [{"text": "Ada", "answer_start": 0}]}]}]}]}"#
        }
        let (good, d1) = file(json(16), "good.json")
        let (bad, d2) = file(json(15).replacingOccurrences(of: "\"q1\"", with: "\"q0\"").replacingOccurrences(of: "{\"id\": \"q2\"", with: "{\"id\": \"q1\"").replacingOccurrences(of: "\"q0\"", with: "\"q2\""), "bad.json")
        defer { try? FileManager.default.removeItem(at: d1); try? FileManager.default.removeItem(at: d2) }
        var h = BadInputHandler()
        let q = try SQuADData.read(path: good, handler: &h)
        #expect(q.map(\.id) == ["q1", "q2"] && q[0].answers == [.init(text: "Linmere", start: 16)])
        // In `bad`, the mismatched question (now q2) is on line 1.
        let e = refused { try SQuADData.read(path: bad, handler: &$0) }
        #expect(e?.line == 1 && e?.message.contains("answer_start 15") == true, "\(String(describing: e))")
        var skip = BadInputHandler(policy: .skip)
        #expect(try SQuADData.read(path: bad, handler: &skip).map(\.id) == ["q1"])
        let (broken, d3) = file("{\"data\": [", "broken.json")
        defer { try? FileManager.default.removeItem(at: d3) }
        #expect(refused { try SQuADData.read(path: broken, handler: &$0) }?.message.contains("not valid JSON") == true)
    }
}
