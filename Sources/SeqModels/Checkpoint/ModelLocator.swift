import Foundation

/// Where the models a command may start from are found when none is named.
public enum ModelLocator {
    /// all-MiniLM-L6-v2: $SEQ_MINILM_DIR, then ~/.cache/seq/minilm (a directory with
    /// config.json and model.safetensors).
    public static var miniLM: URL? {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["SEQ_MINILM_DIR"] { candidates.append(dir) }
        candidates.append(FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/seq/minilm")
        return candidates.first(where: isModelDirectory).map { URL(fileURLWithPath: $0) }
    }

    /// The most recently written `seq pretrain` model (BertForMaskedLM / BertForPreTraining)
    /// directly under `runs`.
    public static func newestPretrained(under runs: URL) -> URL? {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: runs.path) else { return nil }
        var best: (URL, Date)?
        for name in names {
            let dir = runs.appendingPathComponent(name)
            guard isModelDirectory(dir.path), let kind = try? ModelKind.read(dir),
                  kind.architectures.contains(where: BertForMaskedLM.architectures.contains),
                  let date = (try? fm.attributesOfItem(atPath: dir.appendingPathComponent("model.safetensors").path))?[.modificationDate] as? Date
            else { continue }
            if best == nil || date > best!.1 { best = (dir, date) }
        }
        return best?.0
    }

    static func isModelDirectory(_ path: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: path + "/config.json") && fm.fileExists(atPath: path + "/model.safetensors")
    }
}
