import Foundation
import Testing

/// `seq evaluate --task translate`: the built binary against sacreBLEU's figures for the
/// corpora of bench/golden/metrics_golden.py (Tests/SeqTasksTests/Fixtures/metrics_golden.json).
@Suite struct EvaluateCommandTests {
    struct BLEUGolden: Decodable {
        var score: Double
        var precisions: [Double]
        var bp: Double
        var sys_len: Int
        var ref_len: Int
    }
    struct Corpus: Decodable {
        var hyps: [String]
        var refs: [String]
        var bleu: BLEUGolden
        var chrf: Double
    }
    struct Golden: Decodable { var corpora: [Corpus] }

    static let golden: Golden = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SeqTasksTests/Fixtures/metrics_golden.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    static func directory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seq-evaluate-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ bytes: Data, _ name: String, in dir: URL) -> String {
        let url = dir.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: bytes)
        return url.path
    }

    static func write(_ lines: [String], _ name: String, in dir: URL) -> String {
        write(Data(lines.map { $0 + "\n" }.joined().utf8), name, in: dir)
    }

    /// The last stdout line. JSONDecoder, not JSONSerialization: on Linux the latter can read
    /// 36.111111111111114 as 36.11111111111111.
    struct Figures: Decodable {
        var bleu: Double
        var chrf: Double
        var bleu_precisions: [Double]
        var bp: Double
        var sys_len: Int
        var ref_len: Int
        var sentences: Int
    }

    static func json(_ r: CLIResult) throws -> Figures {
        try JSONDecoder().decode(Figures.self, from: Data(r.lastLine.utf8))
    }

    /// What sacreBLEU reports for identical text: exp(4 · ln 100 / 4) = 100.00000000000004.
    static let perfectBLEU = exp(log(100.0) * 4 / 4)

    // Corpus 3 holds a line with "\n" in it, which a file cannot carry as one line.
    @Test(arguments: 0..<3)
    func figuresEqualSacreBLEU(corpus: Int) throws {
        let c = Self.golden.corpora[corpus]
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyp = Self.write(c.hyps, "hyp.txt", in: dir), ref = Self.write(c.refs, "ref.txt", in: dir)
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", ref])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try Self.json(r)
        // Both sides print the shortest decimal that round-trips, so equal doubles are equal text.
        #expect(j.bleu == c.bleu.score)
        #expect(j.chrf == c.chrf)
        #expect(j.bleu_precisions == c.bleu.precisions)
        #expect(j.bp == c.bleu.bp)
        #expect(j.sys_len == c.bleu.sys_len)
        #expect(j.ref_len == c.bleu.ref_len)
        #expect(j.sentences == c.hyps.count)
        #expect(r.stderr.contains("BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:seq"))
        #expect(r.stderr.contains("chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:seq"))
        #expect(r.stdout.split(separator: "\n").count == 1)
    }

    /// sacreBLEU's command line `rstrip()`s each line; BLEU rstrips before tokenizing and chrF
    /// drops all whitespace, so "\r\n" endings and trailing blanks score as the stripped lines.
    @Test func crlfAndTrailingBlanksScoreAsStrippedLines() throws {
        let c = Self.golden.corpora[0]
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyp = Self.write(Data(c.hyps.map { $0 + " \t\r\n" }.joined().utf8), "hyp.txt", in: dir)
        let ref = Self.write(Data(c.refs.map { $0 + "\u{A0}\r\n" }.joined().utf8), "ref.txt", in: dir)
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", ref])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try Self.json(r)
        #expect(j.bleu == c.bleu.score && j.chrf == c.chrf && j.sentences == c.hyps.count)
    }

    @Test func lastLineWithoutNewlineIsALine() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyp = Self.write(Data("a b c d\n\nx".utf8), "hyp.txt", in: dir)
        let ref = Self.write(Data("a b c d\ny\nx\n".utf8), "ref.txt", in: dir)
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", ref, "--threads", "1", "--seed", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.json(r).sentences == 3)
    }

    @Test func differentLineCountsAreBadInput() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyp = Self.write(["a", "b", "c"], "hyp.txt", in: dir), ref = Self.write(["a", "b", "c", "d"], "ref.txt", in: dir)
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", ref])
        #expect(r.status == 1)
        #expect(r.stderr == "seq: \(hyp): has 3 lines but \(ref) has 4; expected one hypothesis per reference line\n")
        #expect(r.stdout.isEmpty)
    }

    @Test func twoEmptyFilesAreBadInput() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyp = Self.write(Data(), "hyp.txt", in: dir), ref = Self.write(Data(), "ref.txt", in: dir)
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", ref])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no sentences"))
    }

    @Test func missingFileIsBadInputNamingIt() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyp = Self.write(["a"], "hyp.txt", in: dir)
        let missing = dir.appendingPathComponent("nope.txt").path
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", missing])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("seq: \(missing): no such file"))
        #expect(r.stdout.isEmpty)
    }

    @Test func invalidUTF8IsReplacedNotFatal() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // C3 28: a lead byte without its continuation; FF: never valid. Each becomes U+FFFD,
        // so the hypothesis reads "� ( ok �" and the reference the same text in UTF-8.
        let hyp = Self.write(Data([0xC3, 0x28, 0x20, 0x6F, 0x6B, 0x20, 0xFF, 0x0A]), "hyp.txt", in: dir)
        let ref = Self.write(["\u{FFFD}( ok \u{FFFD}"], "ref.txt", in: dir)
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", ref])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try Self.json(r)
        #expect(j.bleu == Self.perfectBLEU)
        #expect(j.chrf == 100)
    }

    @Test func oneMegabyteLine() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let words = ["alpha", "beta,", "gamma.", "1,000.5", "x-y", "&amp;", "(z)"]
        var line = ""
        var i = 0
        while line.utf8.count < 1 << 20 { line += words[i % words.count] + " "; i += 1 }
        let hyp = Self.write([line, "short"], "hyp.txt", in: dir), ref = Self.write([line, "short"], "ref.txt", in: dir)
        let r = try CLI.run(["evaluate", "--task", "translate", "--hyp", hyp, "--ref", ref])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try Self.json(r)
        #expect(j.bleu == Self.perfectBLEU)
        #expect(j.chrf == 100)
        #expect(j.sys_len > 200_000 && j.sys_len == j.ref_len)
    }

    @Test func badUsageExitsTwo() throws {
        let noRef = try CLI.run(["evaluate", "--task", "translate", "--hyp", "h.txt"])
        #expect(noRef.status == 2)
        #expect(noRef.stderr.contains("needs --hyp F and --ref F"))
        let badTask = try CLI.run(["evaluate", "--task", "nosuch", "--hyp", "h", "--ref", "r"])
        #expect(badTask.status == 2)
        #expect(badTask.stderr.contains("translate"))
        // qa is a fine-tuning task: it needs --model and --data, not --hyp/--ref.
        let qa = try CLI.run(["evaluate", "--task", "qa", "--hyp", "h", "--ref", "r"])
        #expect(qa.status == 2 && qa.stderr.contains("--model DIR"))
        let noTask = try CLI.run(["evaluate", "--hyp", "h", "--ref", "r"])
        #expect(noTask.status == 2)
        let noSource = try CLI.run(["evaluate", "--task", "translate", "--model", "m", "--ref", "r"])
        #expect(noSource.status == 2)
        #expect(noSource.stderr.contains("--model DIR needs --src F and --ref F"))
        // A model directory that is not there is bad input (1), named.
        let model = try CLI.run(["evaluate", "--task", "translate", "--model", "m", "--src", "s", "--ref", "r"])
        #expect(model.status == 1)
        #expect(model.stderr.contains("no config.json"))
        #expect(model.stdout.isEmpty)
        let threads = try CLI.run(["evaluate", "--task", "translate", "--hyp", "h", "--ref", "r", "--threads", "0"])
        #expect(threads.status == 2)
    }
}
