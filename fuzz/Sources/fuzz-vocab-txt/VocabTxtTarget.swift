import FuzzSupport
import SeqText

/// vocab.txt bytes → `VocabTxt.parse` → BERT tokenizer: either an error, or a vocabulary
/// whose every line is a token that looks up to the id of its last line (Hugging Face's
/// rule for duplicates), and a tokenizer that encodes with ids inside the vocabulary.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVocabTxt(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    guard let tokens = try? VocabTxt.parse(bytes, source: "fuzz") else { return 0 }
    let vocabulary = Vocabulary(tokens: tokens)
    var last = [String: Int32]()
    for (i, t) in tokens.enumerated() { last[t] = Int32(i) }
    for (t, id) in last { Fuzz.require(vocabulary.id(t) == id, "token \(t) looks up to \(String(describing: vocabulary.id(t))), expected \(id)") }
    guard let tokenizer = try? Tokenizer.bert(vocabulary: vocabulary, source: "fuzz") else { return 0 }
    let encoding = tokenizer.encode("hello world, [MASK] unaffable ##x")
    for id in encoding.ids { Fuzz.require(id >= 0 && Int(id) < tokens.count, "id \(id) outside the \(tokens.count) tokens") }
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_vocab_txt_main")
public func fuzzVocabTxtMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, warmUp: [Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\na\n".utf8)], fuzzVocabTxt)
}
