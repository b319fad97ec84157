import SeqModels
import SeqTensor

/// What a non-autoregressive decoder trains on for one batch: its input positions, what
/// each position must predict, and the length classes. Built from the rows' token ids; the
/// random masks of mask-predict are keyed by (pass, corpus row), so every process and a
/// resumed run draw the same ones.
public struct NATTargets {
    /// The decoder's input: masked targets (mask-predict), the source copied to the target
    /// length (vanilla NAT) or the source upsampled (CTC).
    public var input: TokenBatch
    /// Whether `input` holds source ids (embedded with the source table).
    public var fromSource: Bool
    /// Per input position, the target id it must predict, `TranslationTask.ignoreIndex`
    /// elsewhere (mask-predict: masked positions only; vanilla: every real position). Empty
    /// for CTC, whose targets are `sequences`.
    public var output: [Int32]
    /// CTC: each row's target ids (the loss aligns them to the input positions).
    public var sequences: [[Int32]]
    /// Length classes (target lengths clamped to the predictor's range); empty for CTC.
    public var lengths: [Int32]
    /// Positions the token loss counts (masked tokens, target tokens); with glancing, every
    /// target token (the normaliser: which of them are learned is decided in the loss).
    public var predicted: Int
    /// Glancing: each row's random key (pass, corpus row) for choosing the tokens shown;
    /// empty otherwise.
    public var glanceKeys: [UInt64] = []

    static let maskSalt: UInt64 = 0x6d61_736b_0000_0012

    /// Mask-predict (Ghazvininejad et al. 2019): per target, a uniform number n ∈ 1...len of
    /// positions, chosen uniformly, replaced by the mask id; the loss is on those.
    public static func maskPredict(targets: [[Int32]], rows: [Int], pass: Int, seed: UInt64, config: TranslatorConfig) -> NATTargets {
        let mask = Int32(config.maskID ?? config.bosID)
        let base = RandomGenerator(seed: seed ^ maskSalt)
        var inputs: [[Int32]] = [], outputs: [[Int32]] = [], predicted = 0
        for (target, row) in zip(targets, rows) {
            var generator = base.derived(UInt64(pass) << 32 | UInt64(row))
            let positions = masked(count: target.count, generator: &generator)
            var input = target, output = [Int32](repeating: TranslationTask.ignoreIndex, count: target.count)
            for p in positions { input[p] = mask; output[p] = target[p] }
            inputs.append(input); outputs.append(output)
            predicted += positions.count
        }
        let input = TokenBatch.padding(inputs, pad: TranslationVocabulary.pad)
        return NATTargets(input: input, fromSource: false, output: padded(outputs, length: input.length), sequences: [],
                          lengths: lengthClasses(targets, config), predicted: predicted)
    }

    static let glanceSalt: UInt64 = 0x676c_616e_6365_0012

    /// Glancing training's batch before its first pass: every target position masked and
    /// predicted; the loss reveals some (`glance`) once the model's guesses are known.
    public static func glancing(targets: [[Int32]], rows: [Int], pass: Int, seed: UInt64, config: TranslatorConfig) -> NATTargets {
        let mask = Int32(config.maskID ?? config.bosID)
        let input = TokenBatch.padding(targets.map { [Int32](repeating: mask, count: $0.count) }, pad: TranslationVocabulary.pad)
        return NATTargets(input: input, fromSource: false, output: padded(targets, length: input.length), sequences: [],
                          lengths: lengthClasses(targets, config), predicted: targets.reduce(0) { $0 + $1.count },
                          glanceKeys: rows.map { UInt64(pass) << 32 | UInt64($0) })
    }

    /// Glancing sampling (Qian et al. 2021) for one target: of the `guesses` that differ from
    /// it (the Hamming distance d), n = ⌊ratio · d⌋ positions (as the GLAT code's `.long()`),
    /// at most all but one, chosen uniformly, show their target token; the others stay masked and are learned. Returns the
    /// decoder input, the per-position targets (ignored where shown) and n.
    public static func glance(target: [Int32], guesses: [Int32], ratio: Float, mask: Int32,
                              generator: inout RandomGenerator) -> (input: [Int32], output: [Int32], shown: Int) {
        precondition(target.count == guesses.count, "one guess per target token")
        let wrong = zip(target, guesses).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
        let n = min(max(target.count - 1, 0), Int((ratio * Float(wrong)).rounded(.down)))
        var order = Array(target.indices)
        for i in 0..<n { order.swapAt(i, i + generator.nextInt(below: target.count - i)) }
        var input = [Int32](repeating: mask, count: target.count), output = target
        for p in order[0..<n] { input[p] = target[p]; output[p] = TranslationTask.ignoreIndex }
        return (input, output, n)
    }

    /// Positions to mask in a target of `count` tokens: n uniform in 1...count, then n
    /// distinct positions (a partial Fisher–Yates shuffle).
    static func masked(count: Int, generator: inout RandomGenerator) -> [Int] {
        guard count > 0 else { return [] }
        let n = 1 + generator.nextInt(below: count)
        var order = Array(0..<count)
        for i in 0..<n { order.swapAt(i, i + generator.nextInt(below: count - i)) }
        return Array(order[0..<n])
    }

    /// Vanilla NAT (Gu et al. 2018): the source (with `</s>`) copied uniformly to the
    /// reference length; every target position predicted.
    public static func vanilla(sources: [[Int32]], targets: [[Int32]], config: TranslatorConfig) -> NATTargets {
        let inputs = zip(sources, targets).map { SourceCopy.uniform($0 + [TranslationVocabulary.eos], targetLength: $1.count) }
        let input = TokenBatch.padding(inputs, pad: TranslationVocabulary.pad)
        return NATTargets(input: input, fromSource: true, output: padded(targets, length: input.length), sequences: [],
                          lengths: lengthClasses(targets, config), predicted: targets.reduce(0) { $0 + $1.count })
    }

    /// CTC (Libovický & Helcl 2018): the source (with `</s>`) upsampled ×ratio; the targets
    /// are aligned by the loss.
    public static func ctc(sources: [[Int32]], targets: [[Int32]], config: TranslatorConfig) -> NATTargets {
        let ratio = config.upsample ?? 2
        let input = TokenBatch.padding(sources.map { SourceCopy.upsampled($0 + [TranslationVocabulary.eos], ratio: ratio) },
                                       pad: TranslationVocabulary.pad)
        return NATTargets(input: input, fromSource: true, output: [], sequences: targets, lengths: [],
                          predicted: targets.reduce(0) { $0 + $1.count })
    }

    static func lengthClasses(_ targets: [[Int32]], _ config: TranslatorConfig) -> [Int32] {
        let top = config.maxTargetLength ?? 0
        return targets.map { Int32(min($0.count, top)) }
    }

    static func padded(_ rows: [[Int32]], length: Int) -> [Int32] {
        rows.flatMap { $0 + [Int32](repeating: TranslationTask.ignoreIndex, count: length - $0.count) }
    }
}
