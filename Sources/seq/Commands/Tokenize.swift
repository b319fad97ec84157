import ArgumentParser
import Foundation
import SeqTensor
import SeqText

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tokenize stdin line by line: ids (default), token strings, or offsets.",
        discussion: """
            Reads lines on stdin (split on "\\n"; invalid UTF-8 is decoded with U+FFFD as Python's \
            errors="replace" does) and writes exactly one line per input line, in input order. \
            Offsets are start-end in Unicode scalars of the line, special tokens 0-0. Truncation and \
            padding stored in a tokenizer.json are not applied: each line is encoded in full.
            """)

    @Option(help: "A tokenizer.json, a vocab.txt, or a model directory holding either.")
    var tokenizer: String

    @Flag(help: "Output format: space-separated ids (default), token strings, or start-end offsets in Unicode scalars.")
    var format: OutputFormat = .ids

    @Flag(name: .customLong("no-special"), help: "Leave out the special tokens ([CLS], [SEP]).")
    var noSpecial = false

    /// Tokenization is deterministic: `--seed` is accepted for uniformity.
    @OptionGroup var compute: ComputeOptions

    enum OutputFormat: String, EnumerableFlag {
        case ids, tokens, offsets
    }

    func run() throws {
        let tok: Tokenizer
        do {
            tok = try Tokenizer.load(path: tokenizer)
        } catch {
            FileHandle.standardError.write(Data("seq tokenize: \(error)\n".utf8))
            throw ExitCode(1)
        }
        compute.apply()
        let fmt: BatchTokenizer.Format = switch format {
        case .ids: .ids
        case .tokens: .tokens
        case .offsets: .offsets
        }
        let batch = BatchTokenizer(tokenizer: tok, format: fmt, addSpecialTokens: !noSpecial, threads: ThreadCount.current)
        let stream = LineStream(fd: 0)
        do {
            try stream.forEachBatch { bytes, lines in
                try batch.process(bytes, lines) { try writeAll($0) }
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            FileHandle.standardError.write(Data("seq tokenize: <stdin>: cannot read: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        do { try StandardOutput.write(UnsafeRawBufferPointer(bytes)) } catch let e as InputError {
            FileHandle.standardError.write(Data("seq tokenize: \(e)\n".utf8))
            throw ExitCode(1)
        }
    }
}
