import ArgumentParser

@main
struct Seq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seq",
        abstract: "Sequence models and NLP on the CPU: tokenize, pretrain, fine-tune, translate.",
        subcommands: [Bench.self, Tokenize.self, Vocab.self]
    )
}
