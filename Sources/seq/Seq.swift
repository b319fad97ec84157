import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Seq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seq",
        abstract: "Sequence models and NLP on the CPU: tokenize, pretrain, fine-tune, translate.",
        subcommands: [Bench.self, Tokenize.self, Vocab.self, Pretrain.self, Embed.self, Evaluate.self, MLMLogits.self]
    )
}

/// The command-line contract: bad usage exits 2 (swift-argument-parser would say 64),
/// bad input exits 1 with one sentence on stderr, success 0.
@main
enum Main {
    static func main() {
        do {
            var command = try Seq.parseAsRoot()
            try command.run()
        } catch let error as InputError {
            FileHandle.standardErrorWrite("seq: \(error.description)\n")
            exit(1)
        } catch {
            let code = Seq.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardErrorWrite(Seq.fullMessage(for: error) + "\n")
                exit(2)
            }
            Seq.exit(withError: error)
        }
    }
}
