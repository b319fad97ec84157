import Foundation
import FuzzReaders
import FuzzSupport
import SeqCore
import SeqTasks

/// Bytes → `CoNLLU.read` under refuse and skip (`ReaderPolicies`). Each sentence kept is
/// re-read from the input, from its first word's line to the blank line that ends it: its
/// integer-ID lines are exactly its words and tags, with IDs 1, 2, 3… in order; every
/// multiword range `a-b` in it covers words that exist (a ≥ 1, b ≤ the word count) and
/// every empty node `i.j` follows an existing word (or comes first, i = 0).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCoNLLU(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    let lines = (try? DatasetLines(contents: Data(bytes), path: ReaderPolicies.path, what: "CoNLL-U"))?.lines ?? []
    let index = Dictionary(uniqueKeysWithValues: lines.enumerated().map { ($0.element.number, $0.offset) })

    func checkSentences(_ name: String, _ sentences: [TaggedSentence]?) {
        guard let sentences else { return }
        var previous = 0
        for s in sentences {
            Fuzz.require(!s.words.isEmpty && s.words.count == s.tags.count, "\(name): sentence at line \(s.line): \(s.words.count) words, \(s.tags.count) tags")
            Fuzz.require(s.line > previous, "\(name): sentence at line \(s.line) after one at line \(previous)")
            previous = s.line
            guard var k = index[s.line] else { Fuzz.require(false, "\(name): sentence at line \(s.line), not a line of the input"); return }
            var words: [String] = [], tags: [String] = [], ranges: [(Int, Int)] = [], nodes: [Int] = []
            while k < lines.count && !lines[k].text.trimmingCharacters(in: .whitespaces).isEmpty {
                defer { k += 1 }
                if lines[k].text.hasPrefix("#") { continue }
                let cells = lines[k].text.split(separator: "\t", omittingEmptySubsequences: false)
                Fuzz.require(cells.count == 10, "\(name): line \(lines[k].number) of a kept sentence has \(cells.count) columns")
                let id = cells[0]
                if let dash = id.firstIndex(of: "-") {
                    ranges.append((Int(id[..<dash]) ?? -1, Int(id[id.index(after: dash)...]) ?? -1))
                } else if let dot = id.firstIndex(of: ".") {
                    nodes.append(Int(id[..<dot]) ?? -1)
                } else {
                    Fuzz.require(Int(id) == words.count + 1, "\(name): line \(lines[k].number): word ID \(id) where \(words.count + 1) comes next")
                    words.append(String(cells[1])); tags.append(String(cells[3]))
                }
            }
            Fuzz.require(words == s.words && tags == s.tags, "\(name): sentence at line \(s.line) is \(s.words)/\(s.tags), the input has \(words)/\(tags)")
            for (a, b) in ranges { Fuzz.require(a >= 1 && a < b && b <= words.count, "\(name): range \(a)-\(b) in a sentence of \(words.count) words") }
            for i in nodes { Fuzz.require(i >= 0 && i <= words.count, "\(name): empty node after word \(i) of \(words.count)") }
        }
    }

    let result = ReaderPolicies.check("conllu", bytes: bytes) { (h: inout BadInputHandler) throws(InputProblem) in
        try CoNLLU.read(DatasetLines(contents: Data(bytes), path: ReaderPolicies.path, what: "CoNLL-U"), handler: &h)
    }
    checkSentences("refuse", result.refused)
    checkSentences("skip", result.skipped)
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_conllu_main")
public func fuzzCoNLLUMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, warmUp: [Array("1\ta\ta\tDET\t_\t_\t0\troot\t_\t_\n".utf8)], fuzzCoNLLU)
}
