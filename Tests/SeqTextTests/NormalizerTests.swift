import Testing
@testable import SeqText

/// Normalizers with their origins (offsets into the original text).
struct NormalizerTests {
    func apply(_ n: Normalizer, _ s: [UInt32]) -> NormalizedText {
        var t = NormalizedText(original: s)
        n.apply(&t)
        return t
    }

    @Test func nfdAndStripAccentsKeepOrigins() {
        let t = apply(.sequence([.nfd, .stripAccents, .lowercase]), Array("Éa".unicodeScalars.map(\.value)))
        #expect(t.string == "ea")
        #expect(t.origins == [0, 1])
    }

    @Test func nfcComposesToTheBase() {
        let t = apply(.nfc, [0x65, 0x301, 0x78])
        #expect(t.scalars == [0xE9, 0x78])
        #expect(t.origins == [0, 2])
    }

    @Test func nfkcFullwidthAndLigatures() {
        let t = apply(.nfkc, Array("ﬁＡ".unicodeScalars.map(\.value)))
        #expect(t.string == "fiA")
        #expect(t.origins == [0, 0, 1])
    }

    @Test func bertNormalizer() {
        let t = apply(.bert(BertNormalizerOptions()), Array("A\u{0}中\tÇ".unicodeScalars.map(\.value)))
        #expect(t.string == "a 中  c")
        #expect(t.origins == [0, 2, 2, 2, 3, 4])
    }

    @Test func lowercaseExpands() {
        let t = apply(.lowercase, [0x130])   // İ → i̇
        #expect(t.scalars == [0x69, 0x307])
        #expect(t.origins == [0, 0])
    }
}

/// The shared CharMap cache is keyed by descriptions (see `CharMap.recent`): equal
/// pipelines get one key, pipelines that differ in any payload do not.
struct CharMapCacheKeyTests {
    @Test func equalPipelinesShareAKeyOthersDoNot() {
        func key(_ n: Normalizer?, _ p: PreTokenizer?) -> String { CharMap.cacheKey(normalizer: n, preTokenizer: p) }
        let bert = Normalizer.bert(BertNormalizerOptions(lowercase: true)), cased = Normalizer.bert(BertNormalizerOptions(lowercase: false))
        #expect(key(bert, .bert) == key(.bert(BertNormalizerOptions(lowercase: true)), .bert))
        let pipelines: [(Normalizer?, PreTokenizer?)] = [
            (bert, .bert), (cased, .bert), (bert, .whitespace), (nil, .bert), (bert, nil), (nil, nil),
            (.sequence([.nfd, .stripAccents]), .sequence([.digits(individual: true)])),
            (.sequence([.nfd, .stripAccents]), .sequence([.digits(individual: false)])),
            (.strip(left: true, right: false), nil), (.strip(left: false, right: true), nil),
            (.replace(pattern: "a b", content: ""), nil), (.replace(pattern: "a", content: " b"), nil),
        ]
        #expect(Set(pipelines.map { key($0.0, $0.1) }).count == pipelines.count)
    }
}
