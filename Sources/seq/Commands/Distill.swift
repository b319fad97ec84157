import ArgumentParser
import Foundation
import SeqModels
import SeqTasks
import SeqTensor
#if canImport(Glibc)
import Glibc
#endif

struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sequence-level knowledge distillation: an autoregressive teacher translates a file of sources.",
        discussion: """
            Translates every line of --src with the teacher's beam search (sentences of similar \
            length batched together) and writes one translation per line to --out, line-aligned \
            with --src (an empty line gives an empty line; invalid UTF-8 is replaced; a line too \
            long for the model is translated in pieces). Non-autoregressive models train on \
            --src and the distilled --out (Kim & Rush 2016; Gu et al. 2018). Resumable: chunks of \
            --chunk lines go to OUT.partial, each flushed to disk; after a kill, the same command \
            continues after the last complete chunk, and OUT appears only when every line is \
            there. Progress on stderr; the last stdout line is one JSON object (sentences, \
            sentences_per_s, output).
            """)

    @Option(help: "The autoregressive translation model directory (from seq train-translation).")
    var teacher: String
    @Option(help: "Source sentences, one per line.")
    var src: String
    @Option(help: "The distilled targets, line-aligned with --src.")
    var out: String
    @Option(help: "Lines per chunk: the unit written (and fsynced) at once, and resumed from.")
    var chunk = 512
    @Option(name: .customLong("stop-after"), help: "Stop after the chunk that reaches this many lines in this run, leaving OUT.partial for the same command to continue.")
    var stopAfter: Int?

    @OptionGroup var decoding: DecodingFlags
    @OptionGroup var compute: ComputeOptions

    func validate() throws {
        if chunk < 1 { throw ValidationError("--chunk must be at least 1, got \(chunk)") }
        if let stopAfter, stopAfter < 1 { throw ValidationError("--stop-after must be at least 1, got \(stopAfter)") }
        if decoding.decoder == .nat { throw ValidationError("the teacher is autoregressive; drop --decoder nat") }
    }

    func run() throws {
        FrozenWeights.enable()   // this command only runs models: keep transposed weights
        compute.apply()
        StopRequest.install()
        let translator = try decoding.translator(model: teacher, seed: compute.seed)
        let kind = translator.model.config.decoder
        guard kind == .autoregressive else {
            throw InputError(file: teacher, line: nil, message: "holds a \(kind.rawValue) model; the teacher must be an autoregressive translation model")
        }
        let total = try Self.countLines(src)
        guard total > 0 else { throw InputError(file: src, line: nil, message: "is empty; expected one source sentence per line") }
        let o = translator.options
        let settings = "beam \(o.beam), length penalty \(o.lengthPenalty), max length ratio \(o.maxLengthRatio), batch \(translator.batchSize)"
        let job = ResumableLineOutput.Job(source: URL(fileURLWithPath: src).standardizedFileURL.path, sourceLines: total,
                                          teacher: URL(fileURLWithPath: teacher).standardizedFileURL.path, settings: settings, chunk: chunk)
        let output = try ResumableLineOutput(url: URL(fileURLWithPath: out), job: job)
        if output.resumedFrom > 0 { FileHandle.standardErrorWrite("distill: continuing \(output.partialURL.path) after line \(output.resumedFrom) of \(total)\n") }

        let fd = open(src, O_RDONLY)
        guard fd >= 0 else { throw InputError(file: src, line: nil, message: "cannot be opened (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let reader = StdinLines(fd: fd)
        var skipped = 0
        while skipped < output.resumedFrom, let lines = reader.nextLines(upTo: min(chunk, output.resumedFrom - skipped)) { skipped += lines.count }

        let started = DispatchTime.now().uptimeNanoseconds
        var thisRun = 0
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        while output.linesDone < total, let lines = reader.nextLines(upTo: chunk) {
            let first = output.linesDone
            let translations = translator.translate(lines) { i, note in
                FileHandle.standardErrorWrite("seq distill: \(src):\(first + i + 1): \(note.warning(pieceTokens: translator.pieceTokens))\n")
            }
            try output.append(translations)
            thisRun += lines.count
            FileHandle.standardErrorWrite(String(format: "distill: %d/%d lines (%.1f%%), %.1f sentences/s\n", output.linesDone, total,
                                                 100 * Double(output.linesDone) / Double(total), Double(thisRun) / max(seconds(), 1e-9)))
            if let stopAfter, thisRun >= stopAfter, output.linesDone < total { break }
            if StopRequest.isSet && output.linesDone < total { break }
        }
        var summary: [String: Any] = ["sentences": output.linesDone, "sentences_this_run": thisRun,
                                      "sentences_per_s": (Double(thisRun) / max(seconds(), 1e-9) * 10).rounded() / 10,
                                      "resumed_from_line": output.resumedFrom, "beam": o.beam]
        if output.linesDone >= total {
            try output.finish()
            summary["output"] = out
            summary["complete"] = true
            FileHandle.standardErrorWrite("done: \(total) lines in \(out)\n")
        } else {
            summary["output"] = output.partialURL.path
            summary["complete"] = false
            FileHandle.standardErrorWrite("stopped after line \(output.linesDone) of \(total); the same command continues from there\n")
        }
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .withoutEscapingSlashes])
        try StandardOutput.write(json + Data("\n".utf8))
    }

    /// Lines in a file (a last line without a newline counts).
    static func countLines(_ path: String) throws -> Int {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw InputError(file: path, line: nil, message: "cannot be opened (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var count = 0, last: UInt8 = 0x0A
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw InputError(file: path, line: nil, message: "cannot be read (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            for i in 0..<n where buffer[i] == 0x0A { count += 1 }
            last = buffer[n - 1]
        }
        return count + (last == 0x0A ? 0 : 1)
    }
}
