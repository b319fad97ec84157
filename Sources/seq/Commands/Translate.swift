import ArgumentParser
import Foundation
import SeqModels
import SeqTasks
import SeqTensor
import SeqText
#if canImport(Glibc)
import Glibc
#endif

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate stdin to stdout, one line per line, streaming.",
        discussion: """
            Reads source sentences on stdin (UTF-8; invalid bytes replaced with U+FFFD) and writes \
            one detokenized translation per line, in order: output starts before the end of \
            input, and whatever has arrived is translated as soon as no more input is waiting, \
            so a line typed at a terminal is answered at once. An empty line gives an empty line; \
            the output always has as many lines as the input. A line too long for the model is \
            translated in pieces (a warning on stderr). Without --model, uses the model \
            `seq train-translation` writes without arguments (runs/translate-default).
            """)

    @Option(help: "Translation model directory (from seq train-translation).")
    var model: String?

    @OptionGroup var decoding: DecodingFlags
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        FrozenWeights.enable()   // this command only runs models: keep transposed weights
        compute.apply()
        let translator = try decoding.translator(model: model, seed: compute.seed)
        let reader = StdinLines()
        var lineNumber = 0
        while let lines = reader.nextLines(upTo: decoding.batchSize) {
            let first = lineNumber
            lineNumber += lines.count
            let translations = translator.translate(lines) { i, note in
                FileHandle.standardErrorWrite("seq translate: <stdin>:\(first + i + 1): \(note.warning(pieceTokens: translator.pieceTokens))\n")
            }
            try StandardOutput.write(Data(translations.map { $0 + "\n" }.joined().utf8))
        }
    }
}

/// Lines of stdin (or another descriptor) as they arrive: `nextLines(upTo:)` returns the
/// complete lines already read (up to a batch), blocking only when none is waiting, so an
/// interactive line is answered without waiting for more and piped input is still batched.
/// Invalid UTF-8 is replaced with U+FFFD; a file always has more waiting, so it comes in
/// full batches.
final class StdinLines {
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private let fd: Int32

    init(fd: Int32 = 0) { self.fd = fd }

    /// Up to `limit` lines; nil at the end of input. A last line without a newline counts.
    func nextLines(upTo limit: Int) -> [String]? {
        var lines: [String] = []
        while lines.count < limit {
            if let line = takeLine() {
                lines.append(line)
                continue
            }
            if atEnd {
                if start < buffer.count { lines.append(decode(buffer[start...])); start = buffer.count }
                break
            }
            // No complete line buffered: read more, but do not wait when lines are in hand.
            if !lines.isEmpty && !inputWaiting() { break }
            fill()
        }
        return lines.isEmpty && atEnd && start >= buffer.count ? nil : lines
    }

    private func takeLine() -> String? {
        guard let nl = buffer[start...].firstIndex(of: 0x0A) else {
            if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
            return nil
        }
        var end = nl
        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
        let line = decode(buffer[start..<end])
        start = nl + 1
        if start > 1 << 16 { buffer.removeFirst(start); start = 0 }
        return line
    }

    private func decode(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.withUnsafeBufferPointer { UTF8Decoding.string(UTF8Decoding.scalars($0)) }
    }

    private func inputWaiting() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    private func fill() {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 {
            if n < 0 && errno == EINTR { return }
            atEnd = true
            return
        }
        buffer.append(contentsOf: chunk[0..<n])
    }
}

extension SentenceTranslator.LongLine {
    /// The stderr warning for a line too long for one pass.
    func warning(pieceTokens: Int) -> String {
        switch self {
        case .split(let pieces):
            return "the line is longer than the model takes (\(pieceTokens) tokens); translated in pieces (\(pieces))"
        case .truncated(let kept):
            return "the line is too long to translate whole; only its first \(kept) tokens were translated (\(SentenceTranslator.maxPieces) pieces of \(pieceTokens))"
        }
    }
}

