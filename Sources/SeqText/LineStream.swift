import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams a file descriptor as batches of whole lines (split on "\n" only; a last line
/// without "\n" counts; a trailing "\n" does not start a new line), in chunks read into one
/// reused buffer, so memory is bounded by the chunk size plus the longest line.
public final class LineStream {
    let fd: Int32
    let chunkSize: Int
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var eof = false
    /// True when the last batch was handed over because no more input was ready yet (a
    /// pipe whose writer is waiting, a user typing): a consumer that gathers lines into
    /// larger groups should finish the group now, so that a line is answered while its
    /// input stays open. A regular file or a busy pipe always has input ready.
    public private(set) var inputIdle = false

    public init(fd: Int32, chunkSize: Int = 1 << 22) {
        self.fd = fd
        self.chunkSize = chunkSize
        capacity = chunkSize * 2
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Calls `body` with each batch: the bytes of whole lines and the line ranges in them.
    public func forEachBatch(_ body: (UnsafeBufferPointer<UInt8>, [Range<Int>]) throws -> Void) throws {
        // Bytes before `scanned` are known to hold no newline (a line longer than a chunk).
        var scanned = 0
        while true {
            try fill()
            // Whole lines end at the last newline; at the end of input, everything left.
            var end = count
            if !eof {
                var i = count - 1
                while i >= scanned && base[i] != 0x0A { i -= 1 }
                guard i >= scanned else {
                    scanned = count
                    if count + chunkSize > capacity { grow(capacity * 2) }
                    continue
                }
                end = i + 1
            }
            if end > 0 {
                let batch = UnsafeBufferPointer(start: base, count: end)
                try body(batch, Self.split(batch))
            }
            let rest = count - end
            if rest > 0 { memmove(base, base + end, rest) }
            count = rest
            scanned = 0
            if eof && count == 0 { return }
        }
    }

    private func grow(_ n: Int) {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = n
    }

    /// Reads until a chunk is in or the input ends.
    private func fill() throws {
        inputIdle = false
        if eof { return }
        if count + chunkSize > capacity { grow(max(capacity * 2, count + chunkSize)) }
        var got = 0
        while got < chunkSize {
            let n = read(fd, base + count, chunkSize - got)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { eof = true; break }
            count += n
            got += n
            if got < chunkSize && !Self.hasInputReady(fd) { inputIdle = true; break }
        }
    }

    /// Whether a read would return at once (data or end of input) rather than wait.
    static func hasInputReady(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) != 0
    }

    static func split(_ b: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var lines = [Range<Int>]()
        var start = 0
        let n = b.count
        guard let p0 = b.baseAddress else { return lines }
        while start < n, let p = memchr(p0 + start, 0x0A, n - start) {
            let j = p0.distance(to: p.assumingMemoryBound(to: UInt8.self))
            lines.append(start..<j)
            start = j + 1
        }
        if start < n { lines.append(start..<n) }
        return lines
    }
}
