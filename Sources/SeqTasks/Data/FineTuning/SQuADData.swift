import Foundation
import SeqCore

/// One SQuAD question on its paragraph, with its reference answers.
public struct SQuADExample: Sendable, Equatable {
    public struct Answer: Sendable, Hashable {
        public var text: String
        /// Offset in Unicode scalars (Python characters) into the context.
        public var start: Int
        public init(text: String, start: Int) { self.text = text; self.start = start }
    }
    public var id: String
    public var question: String
    public var context: String
    public var answers: [Answer]

    public init(id: String, question: String, context: String, answers: [Answer]) {
        self.id = id
        self.question = question
        self.context = context
        self.answers = answers
    }
}

/// SQuAD v1.1 JSON: {"data": [{"paragraphs": [{"context", "qas": [{"id", "question",
/// "answers": [{"answer_start", "text"}]}]}]}]}. Every answer must stand at its
/// answer_start in the context (in Unicode scalars, as Python indexes strings); a question
/// whose answer does not is refused or skipped, named by its id and the line it is on.
public enum SQuADData {
    static let expected = "SQuAD v1.1 JSON ({\"data\": [{\"paragraphs\": [{\"context\", \"qas\": [{\"id\", \"question\", \"answers\": [{\"answer_start\", \"text\"}]}]}]}]})"

    public static func read(path: String, requireAnswers: Bool = true,
                            handler: inout BadInputHandler) throws(InputProblem) -> [SQuADExample] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw InputProblem(file: path, message: "no such file; expected \(expected)")
        }
        guard let data = try? FileContents.read(path: path) else {
            throw InputProblem(file: path, message: "cannot read the file; expected \(expected)")
        }
        return try parse(data, path: path, requireAnswers: requireAnswers, handler: &handler)
    }

    /// `read(path:)` on the file's bytes (the fuzz target's entry); `path` names it in errors.
    public static func parse(_ data: Data, path: String, requireAnswers: Bool = true,
                             handler: inout BadInputHandler) throws(InputProblem) -> [SQuADExample] {
        guard data.count <= DatasetLines.maxBytes else {
            throw InputProblem(file: path, message: "is \(data.count) bytes, over the limit of \(DatasetLines.maxBytes)")
        }
        if data.isEmpty { throw InputProblem(file: path, message: "the file is empty; expected \(expected)") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw InputProblem(file: path, message: "not valid JSON (\((error as NSError).userInfo["NSDebugDescription"] as? String ?? "parse error")); expected \(expected)")
        }
        guard let root = object as? [String: Any], let articles = root["data"] as? [Any] else {
            throw InputProblem(file: path, message: "no top-level \"data\" list; expected \(expected)")
        }
        let locator = LineLocator(data)
        var out: [SQuADExample] = []
        for article in articles {
            guard let paragraphs = (article as? [String: Any])?["paragraphs"] as? [Any] else {
                throw InputProblem(file: path, message: "an article without a \"paragraphs\" list; expected \(expected)")
            }
            for paragraph in paragraphs {
                guard let p = paragraph as? [String: Any], let context = p["context"] as? String, let qas = p["qas"] as? [Any] else {
                    throw InputProblem(file: path, message: "a paragraph without \"context\" and \"qas\"; expected \(expected)")
                }
                let scalars = Array(context.unicodeScalars)
                for qa in qas {
                    guard let q = qa as? [String: Any], let question = q["question"] as? String else {
                        throw InputProblem(file: path, message: "a question without \"question\" text; expected \(expected)")
                    }
                    let id = (q["id"] as? String) ?? (q["id"] as? NSNumber)?.stringValue ?? ""
                    guard !id.isEmpty else {
                        try handler.reject(InputProblem(file: path, message: "a question without an \"id\"; expected \(expected)"))
                        continue
                    }
                    var answers: [SQuADExample.Answer] = []
                    var problem: String?
                    for a in q["answers"] as? [Any] ?? [] {
                        // `Int(exactly:)`: an answer_start of 3.5 or 1e300 is not an offset
                        // (NSNumber.intValue would give 3 and Int.min).
                        guard let a = a as? [String: Any], let text = a["text"] as? String,
                              let number = a["answer_start"] as? NSNumber, let start = Int(exactly: number.doubleValue) else {
                            problem = "an answer without \"text\" and an integer \"answer_start\""
                            break
                        }
                        let answer = Array(text.unicodeScalars)
                        // Compared as `start <= count - length`: `start + length` overflows for a huge start.
                        guard start >= 0, start <= scalars.count - answer.count, Array(scalars[start..<(start + answer.count)]) == answer else {
                            problem = "answer_start \(start) does not point at the answer text \"\(text)\" in the context"
                            break
                        }
                        answers.append(.init(text: text, start: start))
                    }
                    if problem == nil && requireAnswers && answers.isEmpty { problem = "no answers to train on" }
                    if let problem {
                        try handler.reject(InputProblem(file: path, line: locator.line(of: id), message: "question \(id): \(problem); expected \(expected)"))
                        continue
                    }
                    out.append(SQuADExample(id: id, question: question, context: context, answers: answers))
                }
            }
        }
        if out.isEmpty { throw InputProblem(file: path, message: "no questions; expected \(expected)") }
        return out
    }

    /// Finds the line of a question's `"id": "<id>"` in the raw JSON, for messages (a scan:
    /// only called for a bad question).
    struct LineLocator {
        let data: Data
        init(_ data: Data) { self.data = data }
        func line(of id: String) -> Int? {
            guard !id.isEmpty, let r = data.range(of: Data("\"\(id)\"".utf8)) else { return nil }
            return data[data.startIndex..<r.lowerBound].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
    }
}
