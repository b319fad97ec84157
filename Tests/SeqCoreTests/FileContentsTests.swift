import Foundation
import Testing
import SeqCore

/// `FileContents.read` gives a file's bytes, and reading an empty file costs nothing: the
/// fuzz target parallel-text found Foundation leaking 4 KiB per empty-file read.
struct FileContentsTests {
    static func residentKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    @Test func readsBytesAndEmptyFilesWithoutLeaking() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seq-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let full = dir.appendingPathComponent("full"), empty = dir.appendingPathComponent("empty")
        try Data([0x61, 0x0A, 0xFF]).write(to: full)
        try Data().write(to: empty)
        #expect(try FileContents.read(path: full.path) == Data([0x61, 0x0A, 0xFF]))
        #expect(try FileContents.read(path: empty.path).isEmpty)
        #expect(throws: (any Error).self) { try FileContents.read(path: dir.appendingPathComponent("none").path) }
        // 20,000 reads leaked 80 MB before; allow a little noise.
        let before = Self.residentKiB()
        for _ in 0..<20_000 { _ = try FileContents.read(path: empty.path) }
        #expect(Self.residentKiB() - before < 20_000, "resident memory grew from \(before) KiB to \(Self.residentKiB()) KiB")
    }
}
