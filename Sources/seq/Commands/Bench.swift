import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a benchmark; the last stdout line is one JSON object.")

    @Argument(help: "Benchmark name: kernels.")
    var name: String

    func run() throws {
        print("{}")
    }
}
