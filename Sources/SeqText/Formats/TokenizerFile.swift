import Foundation
import SeqCore

/// Reading and writing Hugging Face `tokenizer.json` and BERT `vocab.txt`.
public enum TokenizerFileError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case malformed(String, String)
    case unsupported(String, String)

    public var description: String {
        switch self {
        case .unreadable(let f, let why): "\(f): cannot read: \(why)"
        case .malformed(let f, let why): "\(f): \(why)"
        case .unsupported(let f, let why): "\(f): unsupported: \(why)"
        }
    }
}

extension Tokenizer {
    /// Loads a tokenizer from a `tokenizer.json`, a `vocab.txt`, or a model directory
    /// holding either (tokenizer.json preferred).
    public static func load(path: String) throws -> Tokenizer {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw TokenizerFileError.unreadable(path, "no such file or directory")
        }
        if isDir.boolValue {
            let json = (path as NSString).appendingPathComponent("tokenizer.json")
            if FileManager.default.fileExists(atPath: json) { return try load(path: json) }
            let vocab = (path as NSString).appendingPathComponent("vocab.txt")
            if FileManager.default.fileExists(atPath: vocab) {
                return try bert(vocabTxt: vocab, lowercase: lowercaseSetting(directory: path) ?? true)
            }
            throw TokenizerFileError.unreadable(path, "the directory holds neither tokenizer.json nor vocab.txt")
        }
        if path.hasSuffix(".json") { return try fromJSON(path: path) }
        let dir = (path as NSString).deletingLastPathComponent
        return try bert(vocabTxt: path, lowercase: lowercaseSetting(directory: dir.isEmpty ? "." : dir) ?? true)
    }

    /// `do_lower_case` from a neighbouring tokenizer_config.json, if any.
    static func lowercaseSetting(directory: String) -> Bool? {
        let f = (directory as NSString).appendingPathComponent("tokenizer_config.json")
        guard let d = FileManager.default.contents(atPath: f),
              let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return nil }
        return o["do_lower_case"] as? Bool
    }

    /// A BERT tokenizer over a `vocab.txt` (one token per line, id = line number).
    public static func bert(vocabTxt path: String, lowercase: Bool = true) throws -> Tokenizer {
        let tokens = try VocabTxt.read(path: path)
        return try bert(vocabulary: Vocabulary(tokens: tokens), lowercase: lowercase, source: path)
    }

    /// BERT's pipeline over a WordPiece vocabulary: BertNormalizer, BertPreTokenizer,
    /// WordPiece, `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]`.
    public static func bert(vocabulary: Vocabulary, lowercase: Bool = true, source: String = "vocabulary") throws -> Tokenizer {
        let wp: WordPiece
        do { wp = try WordPiece(vocabulary: vocabulary) } catch {
            throw TokenizerFileError.malformed(source, "\(error)")
        }
        var added = [AddedToken]()
        for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] {
            if let id = vocabulary.id(t) { added.append(AddedToken(content: t, id: id)) }
        }
        added.sort { $0.id < $1.id }
        guard let cls = vocabulary.id("[CLS]"), let sep = vocabulary.id("[SEP]") else {
            throw TokenizerFileError.malformed(source, "expected [CLS] and [SEP] in the vocabulary")
        }
        return Tokenizer(
            normalizer: .bert(BertNormalizerOptions(lowercase: lowercase)), preTokenizer: .bert,
            model: .wordPiece(wp), postProcessor: .bert(cls: ("[CLS]", cls), sep: ("[SEP]", sep)),
            decoder: .wordPiece(prefix: "##", cleanup: true), addedTokens: added)
    }

    /// Parses a Hugging Face tokenizer.json.
    public static func fromJSON(path: String) throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerFileError.unreadable(path, "cannot open the file")
        }
        return try fromJSON(data: data, source: path)
    }

    public static func fromJSON(data: Data, source: String = "tokenizer.json") throws -> Tokenizer {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: data) } catch {
            throw TokenizerFileError.malformed(source, "expected JSON (\(error.localizedDescription))")
        }
        guard let root = any as? [String: Any] else { throw TokenizerFileError.malformed(source, "expected a JSON object at the top") }
        let r = JSONReader(source: source)
        return try r.tokenizer(root)
    }
}

struct JSONReader {
    let source: String

    func fail(_ s: String) -> TokenizerFileError { .malformed(source, s) }

    func tokenizer(_ root: [String: Any]) throws -> Tokenizer {
        guard let modelObj = root["model"] as? [String: Any] else { throw fail("expected a \"model\" object") }
        let model = try self.model(modelObj)
        var added = [AddedToken]()
        for t in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = t["content"] as? String, let id = TokenizerLimits.id(t["id"]).map(Int32.init) else {
                throw fail("expected \"content\" and an integer \"id\" in 0...\(TokenizerLimits.maxId) in each of \"added_tokens\"")
            }
            added.append(AddedToken(content: content, id: id, special: t["special"] as? Bool ?? false,
                                    singleWord: t["single_word"] as? Bool ?? false, lstrip: t["lstrip"] as? Bool ?? false,
                                    rstrip: t["rstrip"] as? Bool ?? false, normalized: t["normalized"] as? Bool ?? false))
        }
        var truncation: Truncation? = nil
        if let t = root["truncation"] as? [String: Any], let ml = (t["max_length"] as? NSNumber)?.intValue {
            truncation = Truncation(maxLength: ml,
                                    strategy: Truncation.Strategy(rawValue: t["strategy"] as? String ?? "") ?? .longestFirst,
                                    stride: (t["stride"] as? NSNumber)?.intValue ?? 0)
        }
        var padding: Padding? = nil
        if let p = root["padding"] as? [String: Any] {
            var length: Int? = nil
            if let s = p["strategy"] as? [String: Any], let f = (s["Fixed"] as? NSNumber)?.intValue { length = f }
            padding = Padding(length: length, padId: (p["pad_id"] as? NSNumber)?.int32Value ?? 0,
                              padTypeId: (p["pad_type_id"] as? NSNumber)?.int32Value ?? 0,
                              padToken: p["pad_token"] as? String ?? "[PAD]",
                              padToMultipleOf: (p["pad_to_multiple_of"] as? NSNumber)?.intValue,
                              left: (p["direction"] as? String) == "Left")
        }
        return Tokenizer(
            normalizer: try (root["normalizer"] as? [String: Any]).map(normalizer),
            preTokenizer: try (root["pre_tokenizer"] as? [String: Any]).map(preTokenizer),
            model: model,
            postProcessor: try (root["post_processor"] as? [String: Any]).map(postProcessor),
            decoder: try (root["decoder"] as? [String: Any]).map(decoder),
            addedTokens: added, truncation: truncation, padding: padding)
    }

    func type(_ o: [String: Any], _ what: String) throws -> String {
        guard let t = o["type"] as? String else { throw fail("expected a \"type\" in the \(what)") }
        return t
    }

    func normalizer(_ o: [String: Any]) throws -> Normalizer {
        switch try type(o, "normalizer") {
        case "BertNormalizer":
            return .bert(BertNormalizerOptions(cleanText: o["clean_text"] as? Bool ?? true,
                                               handleChineseChars: o["handle_chinese_chars"] as? Bool ?? true,
                                               stripAccents: o["strip_accents"] as? Bool,
                                               lowercase: o["lowercase"] as? Bool ?? true))
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Strip": return .strip(left: o["strip_left"] as? Bool ?? true, right: o["strip_right"] as? Bool ?? true)
        case "Prepend": return .prepend(o["prepend"] as? String ?? "")
        case "Replace":
            guard let p = o["pattern"] as? [String: Any], let s = p["String"] as? String else {
                throw TokenizerFileError.unsupported(source, "Replace normalizer with a regex pattern")
            }
            return .replace(pattern: s, content: o["content"] as? String ?? "")
        case "Sequence":
            return .sequence(try (o["normalizers"] as? [[String: Any]] ?? []).map(normalizer))
        case let t: throw TokenizerFileError.unsupported(source, "normalizer \(t)")
        }
    }

    func preTokenizer(_ o: [String: Any]) throws -> PreTokenizer {
        switch try type(o, "pre_tokenizer") {
        case "BertPreTokenizer": return .bert
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "Punctuation": return .punctuation
        case "Digits": return .digits(individual: o["individual_digits"] as? Bool ?? false)
        case "ByteLevel": return .byteLevel(addPrefixSpace: o["add_prefix_space"] as? Bool ?? true, useRegex: o["use_regex"] as? Bool ?? true)
        case "Sequence": return .sequence(try (o["pretokenizers"] as? [[String: Any]] ?? []).map(preTokenizer))
        case "SeqICUWords": return .icuWords
        case let t: throw TokenizerFileError.unsupported(source, "pre_tokenizer \(t)")
        }
    }

    func vocab(_ o: [String: Any]) throws -> Vocabulary {
        guard let v = o["vocab"] as? [String: Any] else { throw fail("expected a \"vocab\" object in the model") }
        var map = [String: Int]()
        map.reserveCapacity(v.count)
        for (t, id) in v {
            guard let n = TokenizerLimits.id(id) else {
                throw fail("expected an integer id in 0...\(TokenizerLimits.maxId) for token \(t), got \(id)")
            }
            map[t] = n
        }
        return Vocabulary(map: map)
    }

    func model(_ o: [String: Any]) throws -> Model {
        let t = o["type"] as? String ?? (o["merges"] != nil ? "BPE" : "WordPiece")
        switch t {
        case "WordPiece":
            do {
                return .wordPiece(try WordPiece(vocabulary: try vocab(o), unknownToken: o["unk_token"] as? String ?? "[UNK]",
                                                continuingSubwordPrefix: o["continuing_subword_prefix"] as? String ?? "##",
                                                maxInputCharsPerWord: (o["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100))
            } catch let e as WordPiece.Error { throw fail("\(e)") }
        case "BPE":
            var merges = [(String, String)]()
            for m in o["merges"] as? [Any] ?? [] {
                if let s = m as? String {
                    let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                    guard parts.count == 2 else { throw fail("expected a merge \"a b\", got \"\(s)\"") }
                    merges.append((String(parts[0]), String(parts[1])))
                } else if let a = m as? [String], a.count == 2 {
                    merges.append((a[0], a[1]))
                } else {
                    throw fail("expected merges as \"a b\" strings or [a, b] pairs")
                }
            }
            let v = try vocab(o)
            // A byte-level vocabulary has all 256 byte characters of GPT-2's table.
            let byteLevel = (0..<256).allSatisfy { b in v.id(ByteLevel.token(ofBytes: [UInt8(b)])) != nil }
            do {
                return .bpe(try BPE(vocabulary: v, merges: merges, unknownToken: o["unk_token"] as? String,
                                    byteFallback: o["byte_fallback"] as? Bool ?? false, fuseUnknown: o["fuse_unk"] as? Bool ?? false,
                                    byteLevel: byteLevel, continuingSubwordPrefix: o["continuing_subword_prefix"] as? String,
                                    endOfWordSuffix: o["end_of_word_suffix"] as? String,
                                    dropout: (o["dropout"] as? NSNumber)?.floatValue ?? 0))
            } catch let e as BPE.Error { throw fail("\(e)") }
        default:
            throw TokenizerFileError.unsupported(source, "model \(t)")
        }
    }

    func postProcessor(_ o: [String: Any]) throws -> PostProcessor {
        switch try type(o, "post_processor") {
        case "TemplateProcessing":
            func pieces(_ key: String) throws -> [PostProcessor.Piece] {
                try (o[key] as? [[String: Any]] ?? []).map { p in
                    if let s = p["SpecialToken"] as? [String: Any], let id = s["id"] as? String {
                        return .special(id, typeId: (s["type_id"] as? NSNumber)?.int32Value ?? 0)
                    }
                    if let s = p["Sequence"] as? [String: Any] {
                        return .sequence((s["id"] as? String) == "B" ? 1 : 0, typeId: (s["type_id"] as? NSNumber)?.int32Value ?? 0)
                    }
                    throw fail("expected SpecialToken or Sequence in post_processor.\(key)")
                }
            }
            var specials = [String: (ids: [Int32], tokens: [String])]()
            for (k, v) in o["special_tokens"] as? [String: Any] ?? [:] {
                guard let s = v as? [String: Any] else { continue }
                let ids = try (s["ids"] as? [Any] ?? []).map { v in
                    guard let id = TokenizerLimits.id(v) else { throw fail("expected integer ids in post_processor.special_tokens.\(k)") }
                    return Int32(id)
                }
                specials[k] = (ids, s["tokens"] as? [String] ?? [])
            }
            return PostProcessor(single: try pieces("single"), pair: try pieces("pair"), specialTokens: specials)
        case "BertProcessing", "RobertaProcessing":
            guard let sep = o["sep"] as? [Any], let cls = o["cls"] as? [Any], sep.count == 2, cls.count == 2,
                  let sepT = sep[0] as? String, let sepId = TokenizerLimits.id(sep[1]).map(Int32.init),
                  let clsT = cls[0] as? String, let clsId = TokenizerLimits.id(cls[1]).map(Int32.init) else {
                throw fail("expected \"sep\" and \"cls\" as [token, id] in the post_processor")
            }
            var p = PostProcessor.bert(cls: (clsT, clsId), sep: (sepT, sepId))
            if o["type"] as? String == "RobertaProcessing" {
                p.trimOffsets = o["trim_offsets"] as? Bool ?? true
                p.addPrefixSpace = o["add_prefix_space"] as? Bool ?? true
                p.pair = [.special(clsT, typeId: 0), .sequence(0, typeId: 0), .special(sepT, typeId: 0),
                          .special(sepT, typeId: 0), .sequence(1, typeId: 0), .special(sepT, typeId: 0)]
            }
            return p
        case "ByteLevel":
            var p = PostProcessor(single: [.sequence(0, typeId: 0)], pair: [.sequence(0, typeId: 0), .sequence(1, typeId: 1)], specialTokens: [:])
            p.trimOffsets = o["trim_offsets"] as? Bool ?? true
            p.addPrefixSpace = o["add_prefix_space"] as? Bool ?? true
            return p
        case let t: throw TokenizerFileError.unsupported(source, "post_processor \(t)")
        }
    }

    func decoder(_ o: [String: Any]) throws -> Decoder {
        switch try type(o, "decoder") {
        case "WordPiece": return .wordPiece(prefix: o["prefix"] as? String ?? "##", cleanup: o["cleanup"] as? Bool ?? true)
        case "ByteLevel": return .byteLevel
        case "ByteFallback": return .byteFallback
        case "Sequence": return .sequence(try (o["decoders"] as? [[String: Any]] ?? []).map(decoder))
        case let t: throw TokenizerFileError.unsupported(source, "decoder \(t)")
        }
    }
}

/// BERT's `vocab.txt`: one token per line, the id is the line number.
public enum VocabTxt {
    public static func read(path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerFileError.unreadable(path, "cannot open the file")
        }
        return try parse([UInt8](data), source: path)
    }

    /// The tokens of a vocab.txt image, one per line ("\n" or "\r\n"); `source` names it in
    /// errors. A token that appears on several lines keeps all of them as ids, and looking
    /// the token up gives the last (what Hugging Face's `load_vocab` does).
    public static func parse(_ bytes: [UInt8], source: String) throws -> [String] {
        var tokens = [String]()
        var lineStart = 0
        var i = 0
        while i <= bytes.count {
            if i == bytes.count || bytes[i] == 0x0A {
                if i == bytes.count && i == lineStart { break }
                var end = i
                if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
                let line = bytes[lineStart..<end]
                guard let s = String(validating: line, as: UTF8.self) else {
                    throw TokenizerFileError.malformed(source, "line \(tokens.count + 1): expected UTF-8 text")
                }
                tokens.append(s)
                guard tokens.count <= TokenizerLimits.maxId + 1 else {
                    throw TokenizerFileError.malformed(source, "more than \(TokenizerLimits.maxId + 1) lines; a vocabulary holds at most that many tokens")
                }
                lineStart = i + 1
            }
            i += 1
        }
        if tokens.isEmpty { throw TokenizerFileError.malformed(source, "expected at least one token, the file is empty") }
        return tokens
    }

    /// The file's bytes: one token per line.
    public static func data(_ tokens: [String]) -> Data {
        Data((tokens.joined(separator: "\n") + "\n").utf8)
    }

    /// Writes atomically (temporary file, fsync, rename).
    public static func write(_ tokens: [String], path: String) throws {
        try AtomicFile.write(data(tokens), to: URL(fileURLWithPath: path))
    }
}
