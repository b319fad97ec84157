import Foundation

/// Runs the built `seq` binary (next to the test bundle, i.e. .build/<config>/seq) and
/// captures stdout, stderr and the exit status.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var lastLine: String { stdout.split(separator: "\n").last.map(String.init) ?? "" }
}

enum CLI {
    static let binary: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("seq"),
            Bundle.main.bundleURL.appendingPathComponent("seq"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("seq"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/seq"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    /// `stdoutFile`: send stdout to this file (e.g. /dev/full) instead of capturing it.
    /// `environment`: the child's whole environment (default: this process's).
    static func run(_ arguments: [String], stdin: Data = Data(), stdoutFile: String? = nil,
                    environment: [String: String]? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let environment { process.environment = environment }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        if let stdoutFile, let handle = FileHandle(forWritingAtPath: stdoutFile) {
            process.standardOutput = handle
            try? outPipe.fileHandleForWriting.close()
        } else {
            process.standardOutput = outPipe
        }
        process.standardError = errPipe
        try process.run()
        // Feed stdin and drain both outputs concurrently so large outputs cannot deadlock.
        let writer = Thread {
            inPipe.fileHandleForWriting.write(stdin)
            try? inPipe.fileHandleForWriting.close()
        }
        writer.start()
        nonisolated(unsafe) var errData = Data()
        let errReader = Thread { errData = errPipe.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errReader.isExecuting || !errReader.isFinished { usleep(1000) }
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Starts seq, writes `input` to its stdin and keeps stdin open: what stdout printed up to
    /// its first newline within `timeout` seconds (nil if nothing came), then, after stdin is
    /// closed, the exit status. How a streaming command is shown to answer before its input ends.
    static func firstLineWhileInputStaysOpen(_ arguments: [String], input: Data, timeout: TimeInterval = 60) throws -> (line: String?, status: Int32) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let inPipe = Pipe(), outPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        inPipe.fileHandleForWriting.write(input)
        nonisolated(unsafe) var first = Data()
        let reader = Thread {
            while !first.contains(0x0A) {
                let d = outPipe.fileHandleForReading.availableData
                if d.isEmpty { break }
                first.append(d)
            }
        }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        while !reader.isFinished && Date() < deadline { usleep(10_000) }
        let line = reader.isFinished && first.contains(0x0A) ? String(decoding: first.prefix { $0 != 0x0A }, as: UTF8.self) : nil
        try inPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        return (line, process.terminationStatus)
    }
}
