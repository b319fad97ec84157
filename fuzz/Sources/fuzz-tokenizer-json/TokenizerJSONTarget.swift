import FuzzSupport
import Foundation
import SeqText

/// tokenizer.json bytes → `Tokenizer.fromJSON`: either an error or a tokenizer that encodes
/// a fixed text with every offset inside the text, starts ≤ ends, and ids it can decode.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    guard let tokenizer = try? Tokenizer.fromJSON(data: Data(bytes), source: "fuzz") else { return 0 }
    let text = "Hello, wörld! [CLS] 12 ab\u{301}c 中文 🙂"
    let scalars = text.unicodeScalars.count
    let encoding = tokenizer.encode(text)
    for o in encoding.offsets {
        Fuzz.require(0 <= o.start && o.start <= o.end && o.end <= scalars, "offset \(o.start)-\(o.end) outside 0...\(scalars)")
    }
    _ = tokenizer.decode(encoding.ids)
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_tokenizer_json_main")
public func fuzzTokenizerJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, warmUp: [Array(#"{"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1}},"normalizer":{"type":"BertNormalizer"},"pre_tokenizer":{"type":"BertPreTokenizer"}}"#.utf8), Array(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"},"decoder":{"type":"ByteLevel"}}"#.utf8)], fuzzTokenizerJSON)
}
