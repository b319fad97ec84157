import Foundation

/// Locates `../shared` (real datasets and reference outputs) relative to the package root.
/// Tests that need it skip with a sentence naming the missing path.
public enum SharedData {
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    public static let sharedRoot: URL = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// The path of `relative` under ../shared, or nil when it is absent.
    public static func path(_ relative: String) -> URL? {
        let url = sharedRoot.appendingPathComponent(relative)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
