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

    /// Masks `batch`: the returned input has the replaced ids, positions and targets list
    /// the chosen positions in increasing order. At least one position is chosen whenever
    /// the batch has a candidate, so the loss is always defined.
    public func mask(_ batch: BertBatch, generator: inout RandomGenerator) -> MaskedLMBatch {
        var ids = batch.ids
        let original = batch.ids
        let attention = batch.attentionMask
        let n = ids.count
        var chosen = [Bool](repeating: false, count: n)
        var candidates = 0
        if wholeWord {
            var i = 0
            while i < n {
                guard candidate(ids[i], attended: attention[i]) else { i += 1; continue }
                // A word: this token and the continuation pieces after it, within the row.
                let rowEnd = (i / batch.length + 1) * batch.length
                var j = i + 1
                while j < rowEnd && candidate(ids[j], attended: attention[j]) && continuation[Int(ids[j])] { j += 1 }
                candidates += j - i
                if generator.nextFloat() < probability { for k in i..<j { chosen[k] = true } }
                i = j
            }
        } else {
            for i in 0..<n where candidate(ids[i], attended: attention[i]) {
                candidates += 1
                if generator.nextFloat() < probability { chosen[i] = true }
            }
        }
        if candidates > 0 && !chosen.contains(true) {
            // Rare with real batches: choose one candidate uniformly.
            var k = generator.nextInt(below: candidates)
            for i in 0..<n where candidate(ids[i], attended: attention[i]) {
                if k == 0 { chosen[i] = true; break }
                k -= 1
            }
        }
        var positions: [Int32] = [], targets: [Int32] = []
        positions.reserveCapacity(Int(Float(n) * probability * 1.3) + 8)
        targets.reserveCapacity(positions.capacity)
        for i in 0..<n where chosen[i] {
            positions.append(Int32(i))
            targets.append(original[i])
            let r = generator.nextFloat()
            if r < maskFraction {
                ids[i] = maskID
            } else if r < maskFraction + randomFraction {
                ids[i] = Int32(generator.nextInt(below: vocabularySize))
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
