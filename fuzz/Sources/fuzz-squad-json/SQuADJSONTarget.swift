import Foundation
import FuzzReaders
import FuzzSupport
import SeqCore
import SeqTasks

/// Bytes → `SQuADData.parse` under refuse and skip (`ReaderPolicies`), with answers
/// required (training) and not (evaluation). Every question kept has an id, and every
/// answer kept lies inside its context — its span, in Unicode scalars as Python counts,
/// starts at answer_start and equals the answer's text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSQuADJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    for requireAnswers in [true, false] {
        let name = requireAnswers ? "squad (answers required)" : "squad"
        let result = ReaderPolicies.check(name, bytes: bytes) { (h: inout BadInputHandler) throws(InputProblem) in
            try SQuADData.parse(Data(bytes), path: ReaderPolicies.path, requireAnswers: requireAnswers, handler: &h)
        }
        for examples in [result.refused, result.skipped] {
            for q in examples ?? [] {
                Fuzz.require(!q.id.isEmpty, "\(name): a question without an id")
                Fuzz.require(!requireAnswers || !q.answers.isEmpty, "\(name): question \(q.id) kept without answers")
                let context = Array(q.context.unicodeScalars)
                for a in q.answers {
                    let answer = Array(a.text.unicodeScalars)
                    Fuzz.require(a.start >= 0 && a.start <= context.count && answer.count <= context.count - a.start,
                                 "\(name): question \(q.id): answer at \(a.start)+\(answer.count) outside a context of \(context.count)")
                    Fuzz.require(Array(context[a.start..<(a.start + answer.count)]) == answer,
                                 "\(name): question \(q.id): the context at \(a.start) is not \"\(a.text)\"")
                }
            }
        }
    }
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_squad_json_main")
public func fuzzSQuADJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let warm = #"{"data": [{"paragraphs": [{"context": "a b", "qas": [{"id": "1", "question": "?", "answers": [{"text": "b", "answer_start": 2}]}]}]}]}"#
    return Fuzz.main(argc, argv, warmUp: [Array(warm.utf8)], fuzzSQuADJSON)
}
