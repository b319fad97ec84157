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
    static func run(_ arguments: [String], stdin: Data = Data(), stdoutFile: String? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
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
}
