import Foundation
import Synchronization
import Testing
import SeqCore

struct InputProblemTests {
    @Test func readsFileLineMessage() {
        #expect(InputProblem(file: "a.tsv", line: 3, message: "expected 2 columns").description == "a.tsv:3: expected 2 columns")
        #expect(InputProblem(file: "<stdin>", message: "empty input").description == "<stdin>: empty input")
    }

    /// A library message that starts with the path names it once (the path as a whole word only).
    @Test func namesThePathOnce() {
        #expect(InputProblem(file: "runs/pos", message: "runs/pos holds a tagger").description == "runs/pos: holds a tagger")
        #expect(InputProblem(file: "runs/pos", message: "runs/pos2 holds a tagger").description == "runs/pos: runs/pos2 holds a tagger")
        #expect(InputProblem(file: "a.json", line: 1, message: "a.json is odd").description == "a.json:1: a.json is odd")
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

    /// Thousands of back-to-back jobs of changing sizes on the spinning pool: a worker late
    /// from one job must never run a chunk of the next with the old bounds.
    @Test func backToBackJobsEachCoverEveryIndexOnce() {
        let capacity = 5000
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        defer { hits.deallocate() }
        let shared = SendablePointer(hits)
        var wrong = 0
        for job in 0..<3000 {
            let count = 1 + (job &* 7919) % capacity
            hits.initialize(repeating: 0, count: count)
            parallelFor(count, grain: 1 + job % 5) { r in for i in r { shared.p[i] += 1 } }
            if !(0..<count).allSatisfy({ hits[$0] == 1 }) { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    /// Callers on several threads at once, and loops nested inside a chunk: the pool runs
    /// one job at a time and the others go through libdispatch, each index still once.
    @Test func concurrentAndNestedCallersCoverEveryIndexOnce() {
        let outer = 8, inner = 1000
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
        hits.initialize(repeating: 0, count: outer * inner)
        defer { hits.deallocate() }
        let shared = SendablePointer(hits)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<50 {
                parallelFor(outer) { rows in
                    for row in rows where row % 4 == caller {
                        parallelFor(inner, grain: 10) { r in for i in r { shared.p[row * inner + i] += 1 } }
                    }
                }
            }
        }
        #expect((0..<outer * inner).allSatisfy { hits[$0] == 50 })
    }

    @Test func threadCountDefaultsToTheCoresAndHasALimit() {
        #expect(ThreadCount.current >= 1)
        #expect(ThreadCount.limit >= 256)
        #expect(ThreadCount.limit >= 4 * ThreadCount.available)
        // The affinity mask never allows more CPUs than are online.
        #expect(ThreadCount.available <= max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
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
