import Foundation
import Testing
@testable import SeqText

/// A sample of the exactness bar: every 40th line of lm, sentiment and nli, compared with
/// Hugging Face tokenizers run live (`../shared/ref/tokenize_ref.py dump`). The full bar is
/// `bench/tokenizer/compare.sh exact`.
@Suite(.enabled(if: TestPaths.sharedData("") != nil, "../shared/data not found: skipping the shared-data sample"),
       .enabled(if: TestPaths.miniLM != nil && TestPaths.referencePython != nil,
                "reference venv or MiniLM tokenizer not found (run ../shared/ref/setup.sh)"))
struct SharedDataSampleTests {
    @Test(arguments: ["lm/gutenberg/train.txt", "sentiment/sst2/train.tsv", "nli/sick/train.tsv"])
    func sample(_ relative: String) throws {
        guard let file = TestPaths.sharedData(relative) else { return }
        let tok = try Tokenizer.load(path: TestPaths.miniLM!.appendingPathComponent("tokenizer.json").path)
        let all = try Data(contentsOf: file).split(separator: 0x0A, omittingEmptySubsequences: false)
        var sample = [UInt8]()
        for (i, line) in all.enumerated() where i % 40 == 0 { sample += line + [0x0A] }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("seq-sample-\(UUID().uuidString).txt")
        try Data(sample).write(to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (mode, format) in [("ids", BatchTokenizer.Format.ids), ("offsets", .offsets)] {
            let ours = SeqTextTokenizerFacade(tokenizer: tok).run(sample, format: format, special: true)
            let theirs = try ReferenceRunner.dump(tmp, mode)
            #expect(ours == theirs, "\(relative) --\(mode): seq and Hugging Face differ")
        }
    }
}
