import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Streams a file descriptor as batches of whole lines (split on "\n" only; a last line
/// without "\n" counts; a trailing "\n" does not start a new line), in chunks, so memory is
/// bounded by the chunk size plus the longest line.
public final class LineStream {
    let fd: Int32
    let chunkSize: Int
    var buffer: [UInt8] = []
    var eof = false

    public init(fd: Int32, chunkSize: Int = 1 << 22) {
        self.fd = fd
        self.chunkSize = chunkSize
    }

    /// The next batch: bytes holding whole lines and the line ranges in them; nil at the end.
    public func next() throws -> (bytes: [UInt8], lines: [Range<Int>])? {
        while true {
            if let lastNewline = buffer.lastIndex(of: 0x0A) {
                let bytes = Array(buffer[0...lastNewline])
                buffer.removeSubrange(0...lastNewline)
                if buffer.count < chunkSize && !eof { try fill() }
                return (bytes, Self.split(bytes))
            }
            if eof {
                if buffer.isEmpty { return nil }
                let bytes = buffer
                buffer = []
                return (bytes, Self.split(bytes))
            }
            try fill()
        }
    }

    private func fill() throws {
        let start = buffer.count
        buffer.reserveCapacity(start + chunkSize)
        buffer.append(contentsOf: repeatElement(0, count: chunkSize))
        var got = 0
        while got < chunkSize {
            let n = buffer.withUnsafeMutableBytes { p in
                read(fd, p.baseAddress! + start + got, chunkSize - got)
            }
            if n < 0 {
                if errno == EINTR { continue }
                buffer.removeLast(chunkSize - got)
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if n == 0 { eof = true; break }
            got += n
        }
        buffer.removeLast(chunkSize - got)
    }

    static func split(_ bytes: [UInt8]) -> [Range<Int>] {
        var lines = [Range<Int>]()
        var start = 0
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count
            while i < n {
                if let p = memchr(b.baseAddress! + i, 0x0A, n - i) {
                    let j = b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
                    lines.append(start..<j)
                    start = j + 1
                    i = j + 1
                } else {
                    break
                }
            }
            if start < n { lines.append(start..<n) }
        }
        return lines
    }
}
