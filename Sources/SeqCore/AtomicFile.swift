import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that readers see either the old content or the complete new one:
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

    /// Writes what `body` sends to the sink as the new content of `url`.
    public static func write(to url: URL, _ body: (borrowing Sink) throws -> Void) throws {
        let temporary = try writeTemporary(for: url, body)
        guard rename(temporary, url.path) == 0 else {
            let error = FileIOError(path: url.path, operation: "rename", errno: errno)
            unlink(temporary)
            throw error
        }
        syncDirectory(of: url)
    }

    /// Writes `data` as the new content of `url`.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { sink in try data.withUnsafeBytes { try sink.write($0) } }
    }

    /// Replaces several files as one, for files that must match (a vocabulary and its
    /// tokenizer.json): every new content is written and fsynced to a temporary file
    /// before any target changes, then the temporaries are renamed over the targets in
    /// order. If a rename fails, the targets already replaced get their old content back
    /// (or are removed if they did not exist), so an error never leaves a partial file or
    /// a mismatched set.
    public static func write(_ files: [(url: URL, data: Data)]) throws {
        var temporaries: [String] = []
        var backups: [String?] = []
        var renamed = 0
        defer {
            for t in temporaries.dropFirst(renamed) { unlink(t) }
        }
        for file in files {
            temporaries.append(try writeTemporary(for: file.url) { sink in
                try file.data.withUnsafeBytes { try sink.write($0) }
            })
        }
        // Keep the old contents reachable (hard links beside them) until all renames worked.
        defer { for case let b? in backups { unlink(b) } }
        for file in files {
            let target = file.url.path
            var info = stat()
            guard lstat(target, &info) == 0 else {
                if errno == ENOENT { backups.append(nil); continue }
                throw FileIOError(path: target, operation: "stat", errno: errno)
            }
            // A directory is no old content to keep: renaming a file over it fails below.
            if info.st_mode & S_IFMT == S_IFDIR { backups.append(nil); continue }
            let backup = temporaryPath(for: file.url, kind: "old")
            guard link(target, backup) == 0 else { throw FileIOError(path: target, operation: "link", errno: errno) }
            backups.append(backup)
        }
        for (i, file) in files.enumerated() {
            guard rename(temporaries[i], file.url.path) == 0 else {
                let error = FileIOError(path: file.url.path, operation: "rename", errno: errno)
                for j in (0..<renamed).reversed() {
                    let target = files[j].url.path
                    if let b = backups[j] {
                        if rename(b, target) == 0 { backups[j] = nil }
                    } else {
                        unlink(target)
                    }
                }
                throw error
            }
            renamed += 1
        }
        for file in files { syncDirectory(of: file.url) }
    }

    /// A fresh temporary file beside `url` holding what `body` wrote, fsynced and closed.
    private static func writeTemporary(for url: URL, _ body: (borrowing Sink) throws -> Void) throws -> String {
        let temporary = temporaryPath(for: url, kind: "tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIOError(path: temporary, operation: "create", errno: errno) }
        var done = false
        defer { if !done { unlink(temporary) } }
        do {
            defer { close(fd) }
            try body(Sink(fd: fd, path: temporary))
            guard fsync(fd) == 0 else { throw FileIOError(path: temporary, operation: "fsync", errno: errno) }
        }
        done = true
        return temporary
    }

    private static func temporaryPath(for url: URL, kind: String) -> String {
        url.deletingLastPathComponent().path + "/." + url.lastPathComponent
            + ".\(kind)-\(getpid())-\(UInt32.random(in: .min ... .max))"
    }

    /// Makes renames in `url`'s directory durable; best effort (some file systems refuse
    /// fsync on directories).
    public static func syncDirectory(of url: URL) {
        let directory = url.deletingLastPathComponent().path
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
