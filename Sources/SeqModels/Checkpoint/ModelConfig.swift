import Foundation
import SeqNN
import SeqTensor

/// A model's hyper-parameters as they stand in a model directory's `config.json`, under
/// Hugging Face's keys. Every architecture (BERT with any head, the encoder-decoder
/// translator, the non-autoregressive models) conforms, so one pair of functions saves and
/// loads any of them, and `architectures` records which head the weights belong to.
public protocol ModelConfig: Codable, Sendable {
    /// transformers' `model_type` ("bert", …).
    var modelType: String { get }
    /// transformers' `architectures`: the class the weights load as ("BertForMaskedLM", …).
    var architectures: [String]? { get set }
    /// The first value a model cannot be built from, as one sentence naming the key.
    func problem() -> String?
}

extension ModelConfig {
    /// config.json bytes as transformers writes them (sorted keys, 2-space indent), with
    /// `architecture` recorded.
    public func jsonData(architecture: String) throws -> Data {
        var c = self
        c.architectures = [architecture]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(c)
    }

    /// Reads and validates DIR/config.json; errors name the file and the bad key.
    public static func load(directory: URL) throws(CheckpointError) -> Self {
        let url = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CheckpointError("\(url.path): cannot read the model's config.json (\(ModelDirectory.unreadable(url.path))); expected a model directory")
        }
        let config: Self
        do { config = try JSONDecoder().decode(Self.self, from: data) } catch {
            throw CheckpointError("\(url.path): not a readable config.json for this model (\(ModelDirectory.reason(error)))")
        }
        if let problem = config.problem() { throw CheckpointError("\(url.path): \(problem)") }
        return config
    }
}

/// What a model directory holds, read from its config.json before any weights are loaded,
/// so that a command given the wrong kind of model refuses it in one sentence.
public struct ModelKind: Sendable, Equatable {
    public var modelType: String?
    public var architectures: [String]

    public init(modelType: String?, architectures: [String]) {
        self.modelType = modelType
        self.architectures = architectures
    }

    /// The directory's `model_type` and `architectures`. A path that names config.json
    /// itself is taken as its directory.
    public static func read(_ directory: URL) throws(CheckpointError) -> ModelKind {
        let url = directory.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CheckpointError("\(directory.path): no config.json; expected a model directory (config.json, model.safetensors and the tokenizer)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError("\(url.path): not a JSON object")
        }
        return ModelKind(modelType: object["model_type"] as? String, architectures: object["architectures"] as? [String] ?? [])
    }

    /// The first recorded architecture, or the model type when none is recorded.
    public var name: String { architectures.first ?? modelType ?? "an unknown model" }
}

public enum ModelDirectory {
    /// The model directory a path means: the path itself, or its directory when it names a
    /// file of one (`DIR/config.json`, `DIR/model.safetensors`), which users often pass.
    public static func url(forPath path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
           ["config.json", "model.safetensors"].contains(url.lastPathComponent) {
            return url.deletingLastPathComponent()
        }
        return url
    }

    /// Writes a model directory: model.safetensors (parameters and buffers under their
    /// Hugging Face names) and config.json recording `architecture`, each atomically
    /// (temporary file, fsync, rename), weights first, so a directory with a new config.json
    /// always has the weights that match it.
    public static func save(_ module: some Module, config: some ModelConfig, architecture: String,
                            to directory: URL, metadata: [String: String] = ["format": "pt"]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Safetensors.write(module.checkpointTensors, metadata: metadata, to: directory.appendingPathComponent("model.safetensors"))
        let json = try config.jsonData(architecture: architecture)
        try AtomicFile.write(json, to: directory.appendingPathComponent("config.json"))
    }

    /// Refuses a directory whose recorded architecture is not one of `accepted` (a
    /// directory that records none is accepted: older exports and bare encoders).
    /// `purpose` completes "… but <purpose> needs …".
    @discardableResult
    public static func require(_ directory: URL, oneOf accepted: [String], for purpose: String) throws(CheckpointError) -> ModelKind {
        let kind = try ModelKind.read(directory)
        if kind.architectures.isEmpty || kind.architectures.contains(where: accepted.contains) { return kind }
        throw CheckpointError("\(directory.path) holds a \(kind.name) model, but \(purpose) needs one of: \(accepted.joined(separator: ", "))")
    }

    /// Why a file cannot be read, as the system says it ("No such file or directory", "Not
    /// a directory", "Permission denied"); Foundation's errors on Linux only give a code.
    static func unreadable(_ path: String) -> String {
        let fd = open(path, O_RDONLY)
        if fd >= 0 { close(fd); return "cannot read it" }
        return String(cString: strerror(errno))
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            c.codingPath.isEmpty ? c.debugDescription : "'\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
        default: (error as NSError).localizedFailureReason ?? error.localizedDescription
        }
    }
}
