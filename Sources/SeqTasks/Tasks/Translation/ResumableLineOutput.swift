import Foundation
import SeqCore

/// The output of a long line-by-line job (`seq distill`) that survives a kill: lines go to
/// OUT.partial in whole chunks, each written and flushed to disk (fsync) before the next is
/// computed, beside OUT.partial.json describing the job. A restart of the same job keeps the
/// complete chunks already on disk (a torn last chunk is cut off) and continues after them,
/// so it computes the same batches as one uninterrupted run; another job is refused.
/// `finish()` renames the partial file to OUT: OUT exists only when complete.
public final class ResumableLineOutput {
    /// What was being computed: a restart must match it.
    public struct Job: Codable, Equatable, Sendable {
        public var source: String
        public var sourceLines: Int
        public var teacher: String
        public var settings: String
        /// Lines per chunk (the unit of writing and of resuming).
        public var chunk: Int

        public init(source: String, sourceLines: Int, teacher: String, settings: String, chunk: Int) {
            self.source = source
            self.sourceLines = sourceLines
            self.teacher = teacher
            self.settings = settings
            self.chunk = chunk
        }
    }

    public let url: URL
    public let partialURL: URL
    public let jobURL: URL
    public let job: Job
    /// Lines on disk (a multiple of the chunk, or all lines).
    public private(set) var linesDone: Int
    /// Lines found on disk when opened (0 for a fresh start).
    public let resumedFrom: Int
    private var handle: FileHandle?

    public init(url: URL, job: Job) throws {
        self.url = url
        self.job = job
        partialURL = URL(fileURLWithPath: url.path + ".partial")
        jobURL = URL(fileURLWithPath: url.path + ".partial.json")
        let fm = FileManager.default
        if fm.fileExists(atPath: url.path) && !fm.fileExists(atPath: partialURL.path) {
            throw InputProblem(file: url.path, line: nil, message: "already exists (a finished run); delete it to compute it again")
        }
        var keep = 0
        if fm.fileExists(atPath: partialURL.path) {
            guard let data = fm.contents(atPath: jobURL.path), let stored = try? JSONDecoder().decode(Job.self, from: data) else {
                throw InputProblem(file: partialURL.path, line: nil, message: "has no readable \(jobURL.lastPathComponent) beside it; delete both to start again")
            }
            guard stored == job else {
                throw InputProblem(file: partialURL.path, line: nil, message: "was started by another job (\(stored.source), \(stored.sourceLines) lines, teacher \(stored.teacher), \(stored.settings), chunks of \(stored.chunk)); run that command again to continue it, or delete it and \(jobURL.lastPathComponent)")
            }
            keep = try Self.truncateToWholeChunks(partialURL, chunk: job.chunk, total: job.sourceLines)
        } else {
            // AtomicFile's error names the system's reason (Foundation's own write says only
            // "NSCocoaErrorDomain error 512" on Linux).
            do { try AtomicFile.write(try JSONEncoder().encode(job), to: jobURL) } catch {
                throw InputProblem(file: jobURL.path, line: nil, message: "cannot be written (\(error))")
            }
            guard fm.createFile(atPath: partialURL.path, contents: nil) else {
                throw InputProblem(file: partialURL.path, line: nil, message: "cannot be created")
            }
            AtomicFile.syncDirectory(of: partialURL)
        }
        linesDone = keep
        resumedFrom = keep
        handle = try FileHandle(forWritingTo: partialURL)
        try handle?.seekToEnd()
    }

    /// Cuts the file after its last whole chunk of lines (all lines when every line is
    /// there); returns the lines kept.
    static func truncateToWholeChunks(_ url: URL, chunk: Int, total: Int) throws -> Int {
        let data = try Data(contentsOf: url)
        var newlines: [Int] = []
        for (i, byte) in data.enumerated() where byte == 0x0A { newlines.append(i) }
        let complete = min(newlines.count, total)
        let keep = complete == total ? total : complete / chunk * chunk
        let end = keep == 0 ? 0 : newlines[keep - 1] + 1
        if end < data.count {
            let h = try FileHandle(forWritingTo: url)
            try h.truncate(atOffset: UInt64(end))
            try h.synchronize()
            try h.close()
        }
        return keep
    }

    /// Appends lines (each without a newline; any inside is replaced by a space, so the
    /// output stays line-aligned) and flushes them to disk.
    public func append(_ lines: [String]) throws {
        guard let handle else { preconditionFailure("append after finish") }
        let text = lines.map { $0.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ") + "\n" }.joined()
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch {
            throw InputProblem(file: partialURL.path, line: nil, message: "cannot be written (\(error.localizedDescription))")
        }
        linesDone += lines.count
    }

    /// Renames the complete partial file to OUT and removes the job description.
    public func finish() throws {
        try handle?.synchronize()
        try handle?.close()
        handle = nil
        guard rename(partialURL.path, url.path) == 0 else {
            throw InputProblem(file: url.path, line: nil, message: "cannot be written: renaming \(partialURL.lastPathComponent) failed (\(String(cString: strerror(errno))))")
        }
        AtomicFile.syncDirectory(of: url)
        try? FileManager.default.removeItem(at: jobURL)
    }
}
