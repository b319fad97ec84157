import Foundation
import Testing
import SeqCore
@testable import SeqTasks

/// Inputs the dataset readers' fuzz targets (fuzz/Sources/fuzz-{conllu,glue-tsv,squad-json})
/// check, kept here as ordinary tests: each once broke an invariant or would have (a trap,
/// a silent wrong row, an empty dataset returned as a success).
struct DatasetReaderEdgeTests {
    func lines(_ bytes: [UInt8]) throws(InputProblem) -> DatasetLines { try DatasetLines(contents: Data(bytes), path: "in", what: "test") }
    func lines(_ text: String) throws(InputProblem) -> DatasetLines { try lines(Array(text.utf8)) }

    func outcome<Row>(_ policy: BadInputPolicy, _ read: (inout BadInputHandler) throws(InputProblem) -> [Row]) -> Result<[Row], InputProblem> {
        var h = BadInputHandler(policy: policy)
        do throws(InputProblem) { return .success(try read(&h)) } catch { return .failure(error) }
    }

    /// A byte order mark is not text: the header still names `sentence`, the first CoNLL-U
    /// word ID is still 1.
    @Test func byteOrderMarkIsDropped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var h = BadInputHandler()
        let glue = try TextClassificationData.glue(lines(bom + Array("sentence\tlabel\nok\t1\n".utf8)), handler: &h)
        #expect(glue == [LabelledText(text: "ok", label: "1", line: 2)])
        let conllu = try CoNLLU.read(lines(bom + Array("1\tA\ta\tDET\t_\t_\t0\troot\t_\t_\n".utf8)), handler: &h)
        #expect(conllu == [TaggedSentence(words: ["A"], tags: ["DET"], line: 1)])
        #expect(try lines(bom).lines.isEmpty)
    }

    /// Skipping every row of a GLUE or pair file is an error, as a file of no rows is —
    /// not an empty dataset handed to training.
    @Test func skippingEveryRowIsAnError() throws {
        let glue = outcome(.skip) { (h: inout BadInputHandler) throws(InputProblem) in
            try TextClassificationData.glue(lines("sentence\tlabel\na\t\nb\t \n"), handler: &h)
        }
        guard case .failure(let e) = glue else { Issue.record("glue returned \(glue)"); return }
        #expect(e.message.contains("no rows left after skipping 2 bad ones"), "\(e)")
        let pairs = outcome(.skip) { (h: inout BadInputHandler) throws(InputProblem) in
            try TextClassificationData.pairs(lines("premise\thypothesis\tlabel\na\t\tneutral\n"), handler: &h)
        }
        guard case .failure = pairs else { Issue.record("pairs returned \(pairs)"); return }
    }

    func squad(_ start: String, text: String = "b") -> String {
        #"{"data": [{"paragraphs": [{"context": "abc", "qas": [{"id": "q", "question": "?", "answers": [{"text": "\#(text)", "answer_start": \#(start)}]}]}]}]}"#
    }

    /// An answer_start of Int.max made `start + length` overflow (a trap); 1.5 was rounded to
    /// 1 by NSNumber.intValue and accepted. All are refused, naming the line.
    @Test func squadAnswerStartMustBeAnOffset() throws {
        for start in ["9223372036854775807", "9223372036854775806", "1e300", "-1e300", "1.5", "-1", "3"] {
            let r = outcome(.refuse) { (h: inout BadInputHandler) throws(InputProblem) in
                try SQuADData.parse(Data(squad(start).utf8), path: "in", handler: &h)
            }
            guard case .failure(let e) = r else { Issue.record("answer_start \(start) accepted"); continue }
            #expect(e.line == 1, "\(start): \(e)")
        }
        var h = BadInputHandler()
        #expect(try SQuADData.parse(Data(squad("1.0").utf8), path: "in", handler: &h).first?.answers == [.init(text: "b", start: 1)])
    }

    /// A multiword token's range must start at the next word and its words must follow; an
    /// empty node must follow an existing word. A broken one breaks its sentence.
    @Test func conlluRangesAndEmptyNodesAreChecked() throws {
        func word(_ id: Int, _ form: String = "w") -> String { "\(id)\t\(form)\t\(form)\tX\t_\t_\t0\troot\t_\t_\n" }
        func token(_ id: String) -> String { "\(id)\tt\t_\t_\t_\t_\t_\t_\t_\t_\n" }
        let good = token("1-2") + word(1) + word(2) + token("2.1") + token("3-4") + word(3) + word(4) + "\n" + token("0.1") + word(1)
        var h = BadInputHandler()
        #expect(try CoNLLU.read(lines(good), handler: &h).map(\.words.count) == [4, 1])
        let broken: [(String, Int)] = [
            (word(1) + token("3-4") + word(2), 2),              // not the next word
            (token("1-3") + word(1) + word(2) + "\n", 1),       // words 1…3, only 2 follow
            (token("1-1") + word(1), 1),                        // a range of one word
            (token("1-2") + word(1) + token("2-3") + word(2) + word(3), 3),   // inside the previous range
            (token("-1") + word(1), 1), (token("1-") + word(1), 1), (token("a-b") + word(1), 1),
            (word(1) + token("2.1"), 2), (word(1) + token("1.0"), 2), (word(1) + token("1.x"), 2),
        ]
        for (text, line) in broken {
            let refused = outcome(.refuse) { (h: inout BadInputHandler) throws(InputProblem) in try CoNLLU.read(lines(text + "\n" + word(1)), handler: &h) }
            guard case .failure(let e) = refused else { Issue.record("accepted: \(text)"); continue }
            #expect(e.line == line, "\(text): \(e)")
            let skipped = outcome(.skip) { (h: inout BadInputHandler) throws(InputProblem) in try CoNLLU.read(lines(text + "\n" + word(1, "ok")), handler: &h) }
            #expect((try? skipped.get().map(\.words)) == [["ok"]], "\(text): \(skipped)")
        }
    }

    /// `seq predict --task pos --format conllu` wrote tags back by counting sentences at
    /// empty lines while the parser also ends them at lines of spaces or tabs: the second
    /// sentence's words indexed the first's tags (out of range, a trap). And it refused input
    /// whose UPOS column is `_` — the input one asks a tagger to tag.
    @Test func fillingUPOSEndsSentencesWhereTheParserDoes() throws {
        func word(_ id: Int, _ form: String) -> String { "\(id)\t\(form)\t\(form)\t_\t_\t_\t0\troot\t_\t_" }
        let text = [word(1, "a"), " \t", "# c", "1-2\tbc\t_\t_\t_\t_\t_\t_\t_\t_", word(1, "b"), word(2, "c")].joined(separator: "\n")
        let file = try lines(text)
        var h = BadInputHandler()
        #expect(throws: InputProblem.self) { try CoNLLU.parse(file.lines, path: "in", handler: &h) }
        let sentences = try CoNLLU.parse(file.lines, path: "in", requireTags: false, handler: &h)
        #expect(sentences.map(\.words) == [["a"], ["b", "c"]])
        let out = CoNLLU.fillingUPOS(file.lines, tags: [["A"], ["B", "C"]])
        #expect(out == ["1\ta\ta\tA\t_\t_\t0\troot\t_\t_", "", "# c", "1-2\tbc\t_\t_\t_\t_\t_\t_\t_\t_",
                        "1\tb\tb\tB\t_\t_\t0\troot\t_\t_", "2\tc\tc\tC\t_\t_\t0\troot\t_\t_"].joined(separator: "\n") + "\n")
    }
}
