import Foundation
import SeqTasks

/// `seq evaluate --task translate --model DIR --src F`: the hypotheses are the model's
/// translations of F, made as `seq translate` makes them.
enum ModelHypotheses {
    static func translate(src: String, model: String, decoding: DecodingFlags, seed: UInt64) throws -> [String] {
        let translator = try decoding.translator(model: model, seed: seed)
        let lines: [String]
        do { lines = try TextLines.read(path: src) } catch { throw InputError(file: error.path, line: nil, message: error.message) }
        let started = Date()
        let translations = translator.translate(lines)
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardErrorWrite("translated \(lines.count) sentences in \(String(format: "%.1f", seconds)) s (beam \(decoding.beam), batch \(decoding.batchSize))\n")
        return translations
    }
}
