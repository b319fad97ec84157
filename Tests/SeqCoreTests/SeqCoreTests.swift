import Foundation
import Synchronization
import Testing
import SeqCore

struct InputProblemTests {
    @Test func readsFileLineMessage() {
        #expect(InputProblem(file: "a.tsv", line: 3, message: "expected 2 columns").description == "a.tsv:3: expected 2 columns")
        #expect(InputProblem(file: "<stdin>", message: "empty input").description == "<stdin>: empty input")
    }
}

struct ParallelForTests {
    @Test(arguments: [0, 1, 7, 1000, 4097])
    func coversEveryIndexOnce(_ count: Int) {
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
        hits.initialize(repeating: 0, count: max(count, 1))
        defer { hits.deallocate() }
        let shared = SendablePointer(hits)
        parallelFor(count, grain: 3) { r in for i in r { shared.p[i] += 1 } }
        #expect((0..<count).allSatisfy { hits[$0] == 1 })
    }

    @Test func threadCountDefaultsToTheCoresAndHasALimit() {
        #expect(ThreadCount.current >= 1)
        #expect(ThreadCount.limit >= 256)
        #expect(ThreadCount.limit >= 4 * ThreadCount.available)
    }
}

struct AtomicFileTests {
    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seqcore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func writesASetOfFiles() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.txt"), b = dir.appendingPathComponent("b.txt")
        try Data("old a".utf8).write(to: a)
        try AtomicFile.write([(a, Data("new a".utf8)), (b, Data("new b".utf8))])
        #expect(try String(contentsOf: a, encoding: .utf8) == "new a")
        #expect(try String(contentsOf: b, encoding: .utf8) == "new b")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.txt", "b.txt"])
    }

    /// The second target is a non-empty directory, so its rename fails after the first one
    /// worked: the first file gets its old content back and no temporary stays behind.
    @Test func aFailedSecondRenameRestoresTheFirst() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.txt"), b = dir.appendingPathComponent("b")
        let c = dir.appendingPathComponent("c.txt")
        try Data("old a".utf8).write(to: a)
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: false)
        try Data("x".utf8).write(to: b.appendingPathComponent("inside"))
        #expect(throws: FileIOError.self) {
            try AtomicFile.write([(a, Data("new a".utf8)), (c, Data("new c".utf8)), (b, Data("new b".utf8))])
        }
        #expect(try String(contentsOf: a, encoding: .utf8) == "old a")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.txt", "b"])
    }
}
