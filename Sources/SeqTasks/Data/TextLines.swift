import Foundation
import SeqCore
import SeqText

/// A whole text file as lines: split on "\n" only, a final "\n" ends the last line rather
/// than starting an empty one, invalid UTF-8 decoded with U+FFFD as Python's
/// `errors="replace"` does (`UTF8Decoding`). For files read once and kept, such as the
/// hypotheses and references of `seq evaluate`.
public enum TextLines {
    public static func read(path: String) throws(CorpusError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CorpusError(path: path, message: "no such file; expected a text file, one sentence per line")
        }
        guard !isDirectory.boolValue else {
            throw CorpusError(path: path, message: "is a directory; expected a text file, one sentence per line")
        }
        let data: Data
        do {
            data = try FileContents.read(path: path)
        } catch {
            throw CorpusError(path: path, message: "cannot read the file; expected a readable text file")
        }
        return data.withUnsafeBytes { raw in split(raw.bindMemory(to: UInt8.self)) }
    }

    public static func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var lines: [String] = []
        var start = 0
        let n = bytes.count
        while start < n {
            var end = start
            while end < n && bytes[end] != 0x0A { end += 1 }
            lines.append(UTF8Decoding.string(UTF8Decoding.scalars(UnsafeBufferPointer(rebasing: bytes[start..<end]))))
            start = end + 1
        }
        return lines
    }
}
