import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A corpus on disk read line by line at known byte offsets, so that a reading position is
/// one integer that a checkpoint can store and `--resume` can seek back to. Lines split on
/// "\n" only; a last line without "\n" counts. Memory is one read buffer (1 MiB, or the
/// longest line when longer).
public final class CorpusFile {
    public let path: String
    public let size: Int
    let fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    /// File offset of `buffer[0]` and how many bytes the buffer holds.
    private var bufferStart = 0
    private var bufferCount = 0

    public init(path: String, bufferSize: Int = 1 << 20) throws(CorpusError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CorpusError(path: path, message: "cannot open the corpus (\(String(cString: strerror(errno))))") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw CorpusError(path: path, message: "expected a regular file (the corpus is read more than once and resumed by offset)")
        }
        size = Int(info.st_size)
        buffer = .allocate(byteCount: max(bufferSize, 4096), alignment: 16)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// The line starting at `offset` (without its "\n") and the offset of the next line;
    /// nil at the end of the file. The bytes are valid until the next call.
    public func line(at offset: Int) throws(CorpusError) -> (bytes: UnsafeBufferPointer<UInt8>, next: Int)? {
        guard offset < size else { return nil }
        var searchFrom = offset
        while true {
            if offset < bufferStart || offset > bufferStart + bufferCount {
                try fill(from: offset, keep: 0)
                searchFrom = offset
            }
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let lo = offset - bufferStart, from = searchFrom - bufferStart
            if from < bufferCount, let p = memchr(base + from, 0x0A, bufferCount - from) {
                let end = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                return (UnsafeBufferPointer(start: base + lo, count: end - lo), bufferStart + end + 1)
            }
            if bufferStart + bufferCount >= size {
                return (UnsafeBufferPointer(start: base + lo, count: bufferCount - lo), size)
            }
            // No newline in what we hold: move the line to the front, grow if full, read on.
            searchFrom = bufferStart + bufferCount
            try fill(from: offset, keep: bufferCount - lo)
        }
    }

    /// Makes the buffer start at `offset`, keeping `keep` bytes already read from there, and
    /// reads as much as fits (growing the buffer when it is full of one line).
    private func fill(from offset: Int, keep: Int) throws(CorpusError) {
        let base = buffer.baseAddress!
        if keep > 0 && offset != bufferStart { memmove(base, base + (offset - bufferStart), keep) }
        if keep == buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: base, byteCount: keep)
            buffer.deallocate()
            buffer = bigger
        }
        bufferStart = offset
        bufferCount = keep
        while bufferCount < buffer.count && bufferStart + bufferCount < size {
            let n = pread(fd, buffer.baseAddress! + bufferCount, buffer.count - bufferCount, off_t(bufferStart + bufferCount))
            if n < 0 {
                if errno == EINTR { continue }
                throw CorpusError(path: path, message: "read failed at byte \(bufferStart + bufferCount) (\(String(cString: strerror(errno))))")
            }
            if n == 0 { break }
            bufferCount += n
        }
    }

    /// Whether `offset` is the start of a line (0, or just after a "\n"): a sanity check on a
    /// position read back from a checkpoint.
    public func isLineStart(_ offset: Int) -> Bool {
        if offset == 0 { return true }
        guard offset > 0 && offset <= size else { return false }
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, off_t(offset - 1)) == 1 && byte == 0x0A
    }

    /// Up to `count` bytes at `offset` (for sampling a random line).
    public func bytes(at offset: Int, count: Int) -> [UInt8] {
        let n = max(0, min(count, size - offset))
        var out = [UInt8](repeating: 0, count: n)
        let got = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, n, off_t(offset)) }
        return got == n ? out : Array(out.prefix(max(0, got)))
    }
}

/// A corpus that cannot be used: names the file and what was expected.
public struct CorpusError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}
