import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old content or the complete new one:
/// write a temporary file in the same directory, fsync it, rename it over the target, then
/// fsync the directory so that the rename itself is durable. On any error the target is
/// untouched and the temporary file removed.
public enum AtomicFile {
    /// Where the bytes go: `write` appends, retrying short writes and EINTR.
    public struct Sink: ~Copyable {
        fileprivate let fd: Int32
        fileprivate let path: String

        public func write(_ bytes: UnsafeRawBufferPointer) throws(FileIOError) {
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileIOError(path: path, operation: "write", errno: errno)
                }
                offset += n
            }
        }
    }

    public static func write(to url: URL, _ body: (borrowing Sink) throws -> Void) throws {
        let target = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError(path: temporary, operation: "create", errno: errno) }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(fd) }
            try body(Sink(fd: fd, path: temporary))
            guard fsync(fd) == 0 else { throw FileIOError(path: temporary, operation: "fsync", errno: errno) }
        }
        guard rename(temporary, target) == 0 else {
            throw FileIOError(path: target, operation: "rename", errno: errno)
        }
        renamed = true
        // The new file is in place; making the rename durable is best effort (some file
        // systems refuse fsync on directories).
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }
}

/// A failed system call on a file.
public struct FileIOError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let operation: String
    public let errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(path): \(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
