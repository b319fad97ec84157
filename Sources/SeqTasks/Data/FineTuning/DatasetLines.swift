import Foundation
import SeqCore

/// A dataset text file as numbered lines, strictly: it must exist, be a file, be at most
/// `maxBytes`, be UTF-8 (a line that is not is an error naming it: a dataset in another
/// encoding would silently train on replacement characters), with no line longer than
/// `maxLineBytes`. "\r\n" endings are accepted; a final newline does not start a line.
public struct DatasetLines {
    public static let maxBytes = 1 << 30
    public static let maxLineBytes = 1 << 20

    public let path: String
    /// (1-based line number, text) for each line.
    public let lines: [(number: Int, text: String)]

    public init(path: String, what expected: String) throws(InputProblem) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputProblem(file: path, message: "no such file; expected \(expected)")
        }
        guard !isDirectory.boolValue else { throw InputProblem(file: path, message: "is a directory; expected \(expected)") }
        let data: Data
        do { data = try FileContents.read(path: path) } catch {
            throw InputProblem(file: path, message: "cannot read the file; expected \(expected)")
        }
        try self.init(contents: data, path: path, what: expected)
    }

    /// The lines of a file's contents already in memory (`path` only names it in errors):
    /// what `init(path:what:)` does after reading, and the entry of the fuzz targets.
    public init(contents data: Data, path: String, what expected: String) throws(InputProblem) {
        self.path = path
        guard data.count <= Self.maxBytes else {
            throw InputProblem(file: path, message: "is \(data.count) bytes, over the limit of \(Self.maxBytes) for a dataset file")
        }
        var out: [(Int, String)] = []
        var problem: InputProblem?
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            // A UTF-8 byte order mark (Windows editors write one) is not text: left in, it
            // would hide the header's first column name or the first CoNLL-U word ID.
            var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0, number = 0
            while start < bytes.count {
                number += 1
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var stop = end
                if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
                if stop - start > Self.maxLineBytes {
                    problem = InputProblem(file: path, line: number, message: "line of \(stop - start) bytes, over the limit of \(Self.maxLineBytes); expected \(expected)")
                    return
                }
                guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self) else {
                    problem = InputProblem(file: path, line: number, message: "not valid UTF-8; expected \(expected) in UTF-8")
                    return
                }
                out.append((number, text))
                start = end + 1
            }
        }
        if let problem { throw problem }
        lines = out
    }
}
