import Foundation
import Testing
import SeqTestSupport

@Suite struct EmbedCommandTests {
    @Test func missingModelIsInputError() throws {
        let r = try CLI.run(["embed", "--model", "/nonexistent/model"], stdin: Data("hello\n".utf8))
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/model"))
        #expect(r.stdout.isEmpty)
    }

    @Test func badBatchSizeIsUsageError() throws {
        let r = try CLI.run(["embed", "--model", "x", "--batch-size", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--batch-size must be at least 1"))
    }

    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func oneUnitVectorPerLineIncludingEmptyAndInvalidUTF8() throws {
        // Empty line, invalid UTF-8, NUL byte, no trailing newline: four lines, four vectors.
        var input = Data("A man is playing a guitar.\n\n".utf8)
        input.append(contentsOf: [0xC3, 0x28, 0x61, 0x0A, 0x00, 0x62])
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.path, "--threads", "1"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 4)
        for line in lines {
            let v = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [Double]
            #expect(v.count == 384)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        let summary = try JSONSerialization.jsonObject(with: Data(r.stderr.split(separator: "\n").last!.utf8)) as! [String: Any]
        #expect(summary["sentences"] as? Int == 4)
    }

    @Test(.enabled(if: Checkpoints.miniLM != nil, "\(Checkpoints.miniLMHint)"))
    func emptyInputWritesNothing() throws {
        let r = try CLI.run(["embed", "--model", Checkpoints.miniLM!.path])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }
}
