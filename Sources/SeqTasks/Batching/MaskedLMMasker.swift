import SeqModels
import SeqTensor
import SeqText

/// BERT's dynamic masking, a data-side policy: each step draws fresh masks. Of the
/// positions that are not special tokens (nor padding), each is chosen with `probability`
/// (or each whole word is, with `wholeWord`); a chosen token becomes [MASK] with
/// `maskFraction`, a uniformly random id with `randomFraction`, and stays otherwise. The
/// loss is computed on the chosen positions only. Same recipe as `bert_mlm_train.py`'s
/// `mask_tokens` (per-position Bernoulli draws, random ids over the whole vocabulary).
public struct MaskedLMMasker: Sendable {
    public var probability: Float
    public var maskFraction: Float
    public var randomFraction: Float
    public var wholeWord: Bool
    public let maskID: Int32
    public let vocabularySize: Int
    /// Ids never chosen ([CLS], [SEP], [PAD]).
    let special: [Bool]
    /// Ids that continue the previous token's word ("##" pieces), for whole-word masking.
    let continuation: [Bool]

    public init(tokenizer: Tokenizer, probability: Float = 0.15, maskFraction: Float = 0.8, randomFraction: Float = 0.1,
                wholeWord: Bool = false) throws(MaskingError) {
        guard let mask = tokenizer.id(of: "[MASK]") else { throw MaskingError("the tokenizer has no [MASK] token") }
        let V = tokenizer.vocabularySize
        var special = [Bool](repeating: false, count: V)
        for name in ["[CLS]", "[SEP]", "[PAD]"] {
            if let id = tokenizer.id(of: name), Int(id) < V { special[Int(id)] = true }
        }
        var continuation = [Bool](repeating: false, count: V)
        if case .wordPiece(let wp) = tokenizer.model {
            let prefix = wp.continuingSubwordPrefix
            for (i, t) in wp.vocabulary.tokens.enumerated() where t.hasPrefix(prefix) && t.count > prefix.count { continuation[i] = true }
        } else if case .bpe(let bpe) = tokenizer.model {
            // Byte-level BPE marks word starts ("Ġ" = a leading space) instead.
            for (i, t) in bpe.vocabulary.tokens.enumerated() where !t.hasPrefix("\u{0120}") { continuation[i] = true }
        }
        try self.init(maskID: mask, vocabularySize: V, special: special, continuation: continuation, probability: probability,
                      maskFraction: maskFraction, randomFraction: randomFraction, wholeWord: wholeWord)
    }

    public init(maskID: Int32, vocabularySize: Int, special: [Bool], continuation: [Bool], probability: Float = 0.15,
                maskFraction: Float = 0.8, randomFraction: Float = 0.1, wholeWord: Bool = false) throws(MaskingError) {
        guard probability > 0 && probability <= 1 else { throw MaskingError("the mask probability must be in (0, 1], got \(probability)") }
        guard maskFraction >= 0, randomFraction >= 0, maskFraction + randomFraction <= 1 else {
            throw MaskingError("the [MASK] and random fractions must be non-negative and sum to at most 1")
        }
        guard special.count == vocabularySize, continuation.count == vocabularySize else {
            throw MaskingError("one special and one continuation flag per vocabulary id expected")
        }
        self.maskID = maskID
        self.vocabularySize = vocabularySize
        self.special = special
        self.continuation = continuation
        self.probability = probability
        self.maskFraction = maskFraction
        self.randomFraction = randomFraction
        self.wholeWord = wholeWord
    }

    /// Whether position `i` of `ids` (with its attention mask) may be chosen.
    @inline(__always)
    func candidate(_ id: Int32, attended: Int32) -> Bool {
        attended != 0 && id >= 0 && Int(id) < special.count && !special[Int(id)]
    }

    /// Masks `batch` with draws from one generator: row r uses the stream keyed by
    /// `generator.counter + r`, and the generator moves past the batch's rows.
    public func mask(_ batch: BertBatch, generator: inout RandomGenerator) -> MaskedLMBatch {
        let base = generator.counter, g = generator
        generator.counter &+= UInt64(batch.batchSize)
        return mask(batch) { g.derived(base &+ UInt64($0)) }
    }

    /// Masks `batch`: row r draws only from `rowGenerator(r)`, so a row keyed by its global
    /// position gets the same masks however the batch is split among processes. The
    /// returned input has the replaced ids; positions and targets list the chosen positions
    /// in increasing order. A row with a candidate always gets at least one chosen position,
    /// so the loss is always defined.
    public func mask(_ batch: BertBatch, rowGenerator: (Int) -> RandomGenerator) -> MaskedLMBatch {
        var ids = batch.ids
        let original = batch.ids
        let attention = batch.attentionMask
        let T = batch.length
        var positions: [Int32] = [], targets: [Int32] = []
        positions.reserveCapacity(Int(Float(ids.count) * probability * 1.3) + 8)
        targets.reserveCapacity(positions.capacity)
        var chosen = [Bool](repeating: false, count: T)
        for row in 0..<batch.batchSize {
            var generator = rowGenerator(row)
            let lo = row * T
            for k in 0..<T { chosen[k] = false }
            var candidates = 0, any = false
            if wholeWord {
                var i = 0
                while i < T {
                    guard candidate(ids[lo + i], attended: attention[lo + i]) else { i += 1; continue }
                    // A word: this token and the continuation pieces after it, within the row.
                    var j = i + 1
                    while j < T && candidate(ids[lo + j], attended: attention[lo + j]) && continuation[Int(ids[lo + j])] { j += 1 }
                    candidates += j - i
                    if generator.nextFloat() < probability { for k in i..<j { chosen[k] = true }; any = true }
                    i = j
                }
            } else {
                for i in 0..<T where candidate(ids[lo + i], attended: attention[lo + i]) {
                    candidates += 1
                    if generator.nextFloat() < probability { chosen[i] = true; any = true }
                }
            }
            if candidates > 0 && !any {
                // Rare with real rows (0.85^126 ≈ 1e-9 at 126 tokens): choose one candidate uniformly.
                var k = generator.nextInt(below: candidates)
                for i in 0..<T where candidate(ids[lo + i], attended: attention[lo + i]) {
                    if k == 0 { chosen[i] = true; break }
                    k -= 1
                }
            }
            for i in 0..<T where chosen[i] {
                positions.append(Int32(lo + i))
                targets.append(original[lo + i])
                let r = generator.nextFloat()
                if r < maskFraction {
                    ids[lo + i] = maskID
                } else if r < maskFraction + randomFraction {
                    ids[lo + i] = Int32(generator.nextInt(below: vocabularySize))
                }
            }
        }
        var input = batch
        input.ids = ids
        return MaskedLMBatch(input: input, maskedPositions: positions, maskedTargets: targets,
                             nextSentenceLabels: nil)
    }
}

public struct MaskingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
