import ArgumentParser
import Foundation
import SeqCore
import SeqTensor
#if canImport(Glibc)
import Glibc
#endif

struct Seq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seq",
        abstract: "Sequence models and NLP on the CPU: tokenize, pretrain, fine-tune, translate.",
        version: "seq \(SeqVersion.current)",
        subcommands: [Bench.self, Tokenize.self, Vocab.self, Pretrain.self, Finetune.self, Embed.self, Evaluate.self, Predict.self, MLMLogits.self,
                      TrainTranslation.self, Translate.self, Distill.self]
    )

    /// `seq help A B` names a command path; swift-argument-parser shows the root help for
    /// a path that does not exist. Returns the usage error for such a path, nil if it exists.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        var command: ParsableCommand.Type = Seq.self
        var path = ["seq"]
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            let subcommands = command.configuration.subcommands
            guard let next = subcommands.first(where: { $0._commandName == name }) else {
                let known = subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
                if known.isEmpty { return "'\(path.joined(separator: " "))' has no subcommand '\(name)'" }
                return "unknown command '\(name)' for '\(path.joined(separator: " "))'; known: \(known.joined(separator: ", "))"
            }
            command = next
            path.append(name)
        }
        return nil
    }
}

/// The command-line contract: bad usage exits 2 (swift-argument-parser would say 64),
/// bad input exits 1 with one sentence on stderr, success 0.
@main
enum Main {
    static func main() {
        // Before anything else: a CPU newer than OpenBLAS gets its generic kernels (see BLASCore).
        BLASCore.switchIfBetter()
        if let problem = Seq.unknownHelpTopic(Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardErrorWrite("Error: \(problem)\n")
            exit(2)
        }
        do {
            var command = try Seq.parseAsRoot()
            try command.run()
            // Whatever went through stdio (help, version) must reach its file too.
            if fflush(nil) != 0 {
                FileHandle.standardErrorWrite("seq: <stdout>: cannot write the output: \(String(cString: strerror(errno)))\n")
                exit(1)
            }
        } catch let error as InputError {
            FileHandle.standardErrorWrite("seq: \(error.description)\n")
            exit(1)
        } catch let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain {
            // A file operation that failed (output path a file, read-only, disk full): one
            // sentence naming the file, not Foundation's dump.
            let file = FoundationErrors.path(error).map { "\($0): " } ?? ""
            FileHandle.standardErrorWrite("seq: \(file)\(FoundationErrors.reason(error))\n")
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
