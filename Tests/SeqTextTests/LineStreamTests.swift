import Foundation
import Testing
@testable import SeqText

/// Line splitting as tokenize_ref.py does it (split on "\n" only, a last line without "\n"
/// counts), across chunk boundaries and lines longer than a chunk.
struct LineStreamTests {
    func lines(_ bytes: [UInt8], chunk: Int) throws -> [[UInt8]] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writeEnd = fds[1]
        let writer = Thread {
            bytes.withUnsafeBytes { p in
                var done = 0
                while done < p.count { let n = write(writeEnd, p.baseAddress! + done, p.count - done); if n <= 0 { break }; done += n }
            }
            close(writeEnd)
        }
        writer.start()
        defer { close(fds[0]) }
        var out = [[UInt8]]()
        try LineStream(fd: fds[0], chunkSize: chunk).forEachBatch { b, ls in
            for r in ls { out.append(Array(b[r])) }
        }
        return out
    }

    /// A pipe whose writer pauses: the lines written so far come out, marked idle, before
    /// the input ends (the writer closes only after the first batch was seen, or after 20 s
    /// so that a stream that waits for the end fails here instead of hanging).
    @Test func linesComeOutWhileThePipeStaysOpen() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let first = Array("one\ntwo\n".utf8)
        #expect(first.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) } == first.count)
        let writer = PipeWriter(fds[1])
        let timeout = Thread { Thread.sleep(forTimeInterval: 20); writer.close() }
        timeout.start()
        var batches: [(lines: [String], idle: Bool)] = []
        let stream = LineStream(fd: fds[0], chunkSize: 1 << 16)
        try stream.forEachBatch { b, ls in
            batches.append((ls.map { String(decoding: b[$0], as: UTF8.self) }, stream.inputIdle))
            writer.close()   // only now does the input end
        }
        #expect(batches.count == 1 && batches[0].lines == ["one", "two"] && batches[0].idle)
    }

    @Test func emptyInputHasNoLines() throws {
        #expect(try lines([], chunk: 4).isEmpty)
    }

    @Test func splitsOnNewlineOnlyAcrossChunks() throws {
        let text = Array("ab\r\n\ncd\u{0}e\nlast".utf8)
        for chunk in [1, 2, 3, 7, 64] {
            #expect(try lines(text, chunk: chunk) == [Array("ab\r".utf8), [], Array("cd\u{0}e".utf8), Array("last".utf8)])
        }
    }

    @Test func lineLongerThanManyChunks() throws {
        let long = [UInt8](repeating: 0x61, count: 100_000)
        let got = try lines(long + [0x0A] + [0x62, 0x0A], chunk: 1000)
        #expect(got.count == 2)
        #expect(got[0].count == 100_000)
        #expect(got[1] == [0x62])
    }
}

/// A pipe's write end that two threads may close: the first call closes it, later calls
/// do nothing (the descriptor number may belong to another file by then).
private final class PipeWriter: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32?
    init(_ fd: Int32) { self.fd = fd }
    func close() {
        lock.lock()
        defer { lock.unlock() }
        if let fd { Glibc.close(fd) }
        fd = nil
    }
}
