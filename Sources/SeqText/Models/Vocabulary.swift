/// Token strings by id, and ids by string.
public struct Vocabulary: Sendable {
    public private(set) var tokens: [String]
    private var ids: [String: Int32]

    /// Ids are positions. A token listed twice is looked up as its last id, as Hugging Face
    /// resolves a vocab.txt with duplicate lines (both ids still decode to it).
    public init(tokens: [String]) {
        self.tokens = tokens
        ids = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() { ids[t] = Int32(i) }
    }

    /// From a token → id map (ids may have gaps; missing ids read as "").
    public init(map: [String: Int]) {
        let n = (map.values.max() ?? -1) + 1
        var tokens = [String](repeating: "", count: n)
        for (t, i) in map { tokens[i] = t }
        self.tokens = tokens
        ids = map.mapValues { Int32($0) }
    }

    public var count: Int { tokens.count }
    public func id(_ token: String) -> Int32? { ids[token] }
    public func token(_ id: Int32) -> String? { id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil }
    public var map: [String: Int32] { ids }

    /// Adds `token` at the end if absent; returns its id.
    @discardableResult
    public mutating func add(_ token: String) -> Int32 {
        if let id = ids[token] { return id }
        let id = Int32(tokens.count)
        tokens.append(token)
        ids[token] = id
        return id
    }
}
