/// Adds special tokens around one or two sequences and assigns type ids
/// (`TemplateProcessing`, `BertProcessing`, `RobertaProcessing` in tokenizer.json).
public struct PostProcessor: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case special(String, typeId: Int32)
        /// 0: sequence A, 1: sequence B.
        case sequence(Int, typeId: Int32)
    }

    public var single: [Piece]
    public var pair: [Piece]
    /// Special token name → (ids, tokens) it expands to.
    public var specialTokens: [String: (ids: [Int32], tokens: [String])]
    /// Byte-level offset trimming (`ByteLevel` / `RobertaProcessing` with `trim_offsets`):
    /// offsets leave out the leading and trailing spaces of a token, except the one space
    /// `addPrefixSpace` put before the first token.
    public var trimOffsets = false
    public var addPrefixSpace = false

    public static func == (a: PostProcessor, b: PostProcessor) -> Bool {
        a.single == b.single && a.pair == b.pair && a.specialTokens.keys.sorted() == b.specialTokens.keys.sorted()
            && a.trimOffsets == b.trimOffsets && a.addPrefixSpace == b.addPrefixSpace
    }

    public init(single: [Piece], pair: [Piece], specialTokens: [String: (ids: [Int32], tokens: [String])]) {
        self.single = single
        self.pair = pair
        self.specialTokens = specialTokens
    }

    /// BERT's `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` with type ids 0 then 1.
    public static func bert(cls: (String, Int32), sep: (String, Int32)) -> PostProcessor {
        PostProcessor(
            single: [.special(cls.0, typeId: 0), .sequence(0, typeId: 0), .special(sep.0, typeId: 0)],
            pair: [.special(cls.0, typeId: 0), .sequence(0, typeId: 0), .special(sep.0, typeId: 0),
                   .sequence(1, typeId: 1), .special(sep.0, typeId: 1)],
            specialTokens: [cls.0: ([cls.1], [cls.0]), sep.0: ([sep.1], [sep.0])])
    }

    /// How many tokens the template adds.
    public func addedCount(pair isPair: Bool) -> Int {
        (isPair ? pair : single).reduce(0) { n, p in
            if case .special(let name, _) = p { return n + (specialTokens[name]?.ids.count ?? 0) }
            return n
        }
    }

    /// Special ids before and after sequence A in the single template (the fast path).
    var singleAround: (before: [Int32], after: [Int32]) {
        var before = [Int32](), after = [Int32]()
        var seen = false
        for p in single {
            switch p {
            case .sequence: seen = true
            case .special(let name, _):
                let ids = specialTokens[name]?.ids ?? []
                if seen { after += ids } else { before += ids }
            }
        }
        return (before, after)
    }

    func apply(_ a: Encoding, _ b: Encoding?) -> Encoding {
        var out = Encoding()
        for p in (b == nil ? single : pair) {
            switch p {
            case .special(let name, let typeId):
                guard let s = specialTokens[name] else { continue }
                for (id, t) in zip(s.ids, s.tokens) {
                    out.append(id: id, token: t, typeId: typeId, offset: .init(0, 0), special: true, sequence: nil)
                }
            case .sequence(let which, let typeId):
                guard let e = which == 0 ? a : b else { continue }
                for i in 0..<e.count {
                    out.append(id: e.ids[i], token: e.tokens[i], typeId: typeId, offset: e.offsets[i],
                               special: e.specialTokensMask[i] != 0, sequence: which)
                }
            }
        }
        return out
    }
}
