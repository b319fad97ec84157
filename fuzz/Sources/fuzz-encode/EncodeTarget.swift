import FuzzSupport
import SeqText

/// Arbitrary bytes (invalid UTF-8 included) through the two pipelines seq ships: BERT's
/// WordPiece and GPT-2's byte-level BPE. Offsets lie inside the line (in scalars of its
/// U+FFFD-repaired decoding) and never go backwards; for byte-level BPE, decoding the ids
/// gives the text back exactly.
let wordPiece: Tokenizer = {
    let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "##a", "##b", "##c", "ab", "un", "##aff", "##able", "中", "."]
    return try! Tokenizer.bert(vocabulary: Vocabulary(tokens: tokens))
}()

let byteLevel: Tokenizer = {
    var tokens = (0..<256).map { ByteLevel.token(ofBytes: [UInt8($0)]) }
    let merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("a", "b"), ("Ã", "©")]
    tokens += merges.map { $0.0 + $0.1 }
    let bpe = try! BPE(vocabulary: Vocabulary(tokens: tokens), merges: merges, byteLevel: true)
    return Tokenizer(normalizer: nil, preTokenizer: .byteLevel(addPrefixSpace: false, useRegex: true), model: .bpe(bpe),
                     postProcessor: nil, decoder: .byteLevel)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEncode(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    let text = String(decoding: bytes, as: UTF8.self)
    let scalars = text.unicodeScalars.count
    for (name, tokenizer) in [("wordpiece", wordPiece), ("byte-level", byteLevel)] {
        let line = tokenizer.makeLineEncoder()
        bytes.withUnsafeBufferPointer { line.encode($0, addSpecialTokens: false) }
        var previous: Int32 = 0
        for k in 0..<line.count {
            let s = line.starts[k], e = line.ends[k]
            Fuzz.require(0 <= s && s <= e && Int(e) <= scalars, "\(name): offset \(s)-\(e) outside 0...\(scalars)")
            Fuzz.require(s >= previous, "\(name): token \(k) starts at \(s), before the previous token's \(previous)")
            previous = s
        }
        let encoding = tokenizer.encode(text, addSpecialTokens: false)
        Fuzz.require(encoding.ids == Array(line.ids), "\(name): encode and LineEncoder disagree")
    }
    let ids = byteLevel.encode(text, addSpecialTokens: false).ids
    let back = byteLevel.decode(ids, skipSpecialTokens: false)
    Fuzz.require(back == text, "byte-level: decode(encode(x)) = \(back.debugDescription), expected \(text.debugDescription)")
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_encode_main")
public func fuzzEncodeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, warmUp: [Array("Hello wörld, 中文 a\u{301} 🙂 \u{0}".utf8), [0xFF, 0x41]], fuzzEncode)
}
