import Foundation
import SeqTensor

/// The metrics of a run as JSON lines (`metrics.jsonl` in the output directory), one
/// object per record, appended and flushed as they come, each with its `step`. A resumed
/// run first drops the records after the checkpoint's step, so the file reads as one run.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle
    /// The step of the last evaluation record (kept from before a resume, or appended).
    public private(set) var lastEvalStep: Int?

    public init(url: URL, resumingAt step: Int? = nil) throws {
        self.url = url
        let fm = FileManager.default
        if let step, let data = fm.contents(atPath: url.path) {
            let kept = Self.records(in: data).filter { ($0["step"] as? Int ?? 0) <= step }
            lastEvalStep = kept.last { $0.keys.contains(where: { $0.hasPrefix("eval_") }) }?["step"] as? Int
            var text = ""
            for r in kept { text += Self.line(r) }
            try AtomicFile.write(to: url) { sink in try Data(text.utf8).withUnsafeBytes { try sink.write($0) } }
        } else {
            try Data().write(to: url)
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func append(_ record: [String: Any]) {
        if record.keys.contains(where: { $0.hasPrefix("eval_") }) { lastEvalStep = record["step"] as? Int }
        handle.write(Data(Self.line(record).utf8))
    }

    static func line(_ record: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The parseable records of a metrics file (a line cut by a kill is skipped).
    public static func records(in data: Data) -> [[String: Any]] {
        data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
    }
}
