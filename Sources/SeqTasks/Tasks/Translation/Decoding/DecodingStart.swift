import SeqModels
import SeqNN
import SeqTensor

/// What greedy and beam search both begin with: the sources encoded once (each + `</s>`,
/// padded), each sentence's cap (within the model's positions), and empty caches long
/// enough for the longest cap.
struct DecodingStart {
    let encoded: EncodedSource
    let caps: [Int]
    let caches: [TransformerDecoderLayer.Cache]

    init(_ model: Translator, sources: [[Int32]], options: DecodingOptions) {
        encoded = model.encode(TokenBatch.padding(sources.map { $0 + [TranslationVocabulary.eos] }, pad: TranslationVocabulary.pad),
                               context: .evaluation())
        caps = sources.map { max(1, min(options.cap(sourceTokens: $0.count), model.config.maxPositions)) }
        caches = model.makeCaches(maxLength: caps.max() ?? 1)
    }
}
