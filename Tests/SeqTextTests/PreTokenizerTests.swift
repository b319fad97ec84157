import Testing
@testable import SeqText

/// Pre-tokenizers on their own (word ranges of normalized text).
struct PreTokenizerTests {
    func words(_ p: PreTokenizer, _ s: String) -> [String] {
        let text = NormalizedText(original: s.unicodeScalars.map(\.value))
        return p.split(text, [0..<text.scalars.count]).map { UTF8Decoding.string(text.scalars[$0]) }
    }

    @Test func bertSplitsWhitespaceAndIsolatesPunctuation() {
        #expect(words(.bert, "Hello,  world!! a-b") == ["Hello", ",", "world", "!", "!", "a", "-", "b"])
    }

    @Test func whitespaceKeepsSymbolRuns() {
        #expect(words(.whitespace, "Hey man!! How's it going?") == ["Hey", "man", "!!", "How", "'", "s", "it", "going", "?"])
    }

    @Test func digits() {
        #expect(words(.digits(individual: true), "a123b") == ["a", "1", "2", "3", "b"])
        #expect(words(.digits(individual: false), "a123b") == ["a", "123", "b"])
    }

    @Test func gpt2Regex() {
        #expect(words(.byteLevel(addPrefixSpace: false, useRegex: true), "Hello world's  end\n 42!?")
                == ["Hello", " world", "'s", " ", " end", "\n", " 42", "!?"])
    }

    @Test func icuWordsSegmentsThaiChineseAndKeepsEmojiWhole() {
        let thai = words(.icuWords, "ภาษาไทยง่ายนิดเดียว")
        #expect(thai.count > 2)
        #expect(thai.joined() == "ภาษาไทยง่ายนิดเดียว")
        let zh = words(.icuWords, "我爱北京天安门")
        #expect(zh.count >= 3 && zh.joined() == "我爱北京天安门")
        #expect(words(.icuWords, "family 👨‍👩‍👧‍👦 flag 🇺🇸🇫🇷") == ["family", "👨‍👩‍👧‍👦", "flag", "🇺🇸", "🇫🇷"])
    }
}
