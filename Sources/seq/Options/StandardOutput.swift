import ArgumentParser
import Foundation
import SeqCore

/// Checked writes to stdout. `print` buffers in stdio, and a failed flush at exit is lost:
/// on a full disk the command exited 0 with its output gone. Every write here retries short
/// writes and EINTR and turns a failure into one sentence and exit 1; a reader that went
/// away (`| head`) ends the command quietly with 0, as for any Unix filter.
enum StandardOutput {
    static func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(1, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw ExitCode(0) }
                throw InputError(file: "<stdout>", message: "cannot write the output: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    static func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// `text` and a newline.
    static func print(_ text: String) throws {
        try write(Data((text + "\n").utf8))
    }
}
