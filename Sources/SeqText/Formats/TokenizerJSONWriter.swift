import Foundation

extension Tokenizer {
    /// Hugging Face tokenizer.json of this tokenizer (BERT WordPiece and byte-level BPE
    /// families: the stages `Tokenizer.fromJSON` reads).
    public func jsonData() throws -> Data {
        var root: [String: Any] = ["version": "1.0"]
        root["truncation"] = truncation.map { ["max_length": $0.maxLength, "strategy": $0.strategy.rawValue, "stride": $0.stride, "direction": "Right"] } ?? NSNull()
        root["padding"] = padding.map { p -> [String: Any] in
            ["strategy": p.length.map { ["Fixed": $0] as Any } ?? "BatchLongest", "direction": p.left ? "Left" : "Right",
             "pad_to_multiple_of": p.padToMultipleOf.map { $0 as Any } ?? NSNull(), "pad_id": p.padId,
             "pad_type_id": p.padTypeId, "pad_token": p.padToken]
        } ?? NSNull()
        root["added_tokens"] = addedTokens.map {
            ["id": $0.id, "content": $0.content, "single_word": $0.singleWord, "lstrip": $0.lstrip,
             "rstrip": $0.rstrip, "normalized": $0.normalized, "special": $0.special] as [String: Any]
        }
        root["normalizer"] = normalizer.map(Self.json) ?? NSNull()
        root["pre_tokenizer"] = preTokenizer.map(Self.json) ?? NSNull()
        root["post_processor"] = postProcessor.map(Self.json) ?? NSNull()
        root["decoder"] = decoder.map(Self.json) ?? NSNull()
        switch model {
        case .wordPiece(let m):
            root["model"] = ["type": "WordPiece", "unk_token": m.unknownToken,
                             "continuing_subword_prefix": m.continuingSubwordPrefix,
                             "max_input_chars_per_word": m.maxInputCharsPerWord, "vocab": Self.vocabJSON(m.vocabulary)] as [String: Any]
        case .bpe(let m):
            root["model"] = ["type": "BPE", "dropout": m.dropout > 0 ? m.dropout as Any : NSNull(), "unk_token": m.unknownToken.map { $0 as Any } ?? NSNull(),
                             "continuing_subword_prefix": m.continuingSubwordPrefix.map { $0 as Any } ?? NSNull(),
                             "end_of_word_suffix": m.endOfWordSuffix.map { $0 as Any } ?? NSNull(),
                             "fuse_unk": m.fuseUnknown, "byte_fallback": m.byteFallback, "ignore_merges": false,
                             "vocab": Self.vocabJSON(m.vocabulary), "merges": m.merges.map { [$0.0, $0.1] }] as [String: Any]
        }
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    static func vocabJSON(_ v: Vocabulary) -> [String: Int] {
        var d = [String: Int]()
        for (i, t) in v.tokens.enumerated() where d[t] == nil { d[t] = i }
        return d
    }

    static func json(_ n: Normalizer) -> [String: Any] {
        switch n {
        case .bert(let o):
            return ["type": "BertNormalizer", "clean_text": o.cleanText, "handle_chinese_chars": o.handleChineseChars,
                    "strip_accents": o.stripAccents.map { $0 as Any } ?? NSNull(), "lowercase": o.lowercase]
        case .lowercase: return ["type": "Lowercase"]
        case .stripAccents: return ["type": "StripAccents"]
        case .nfc: return ["type": "NFC"]
        case .nfd: return ["type": "NFD"]
        case .nfkc: return ["type": "NFKC"]
        case .nfkd: return ["type": "NFKD"]
        case .replace(let p, let c): return ["type": "Replace", "pattern": ["String": p], "content": c]
        case .strip(let l, let r): return ["type": "Strip", "strip_left": l, "strip_right": r]
        case .prepend(let p): return ["type": "Prepend", "prepend": p]
        case .sequence(let s): return ["type": "Sequence", "normalizers": s.map(json)]
        }
    }

    static func json(_ p: PreTokenizer) -> [String: Any] {
        switch p {
        case .bert: return ["type": "BertPreTokenizer"]
        case .whitespace: return ["type": "Whitespace"]
        case .whitespaceSplit: return ["type": "WhitespaceSplit"]
        case .punctuation: return ["type": "Punctuation", "behavior": "Isolated"]
        case .digits(let i): return ["type": "Digits", "individual_digits": i]
        case .byteLevel(let a, let r): return ["type": "ByteLevel", "add_prefix_space": a, "trim_offsets": true, "use_regex": r]
        case .icuWords: return ["type": "SeqICUWords"]
        case .sequence(let s): return ["type": "Sequence", "pretokenizers": s.map(json)]
        }
    }

    static func json(_ p: PostProcessor) -> [String: Any] {
        if p.specialTokens.isEmpty && p.single == [.sequence(0, typeId: 0)] {
            return ["type": "ByteLevel", "add_prefix_space": p.addPrefixSpace, "trim_offsets": p.trimOffsets, "use_regex": true]
        }
        func pieces(_ ps: [PostProcessor.Piece]) -> [[String: Any]] {
            ps.map {
                switch $0 {
                case .special(let id, let t): return ["SpecialToken": ["id": id, "type_id": t]]
                case .sequence(let w, let t): return ["Sequence": ["id": w == 0 ? "A" : "B", "type_id": t]]
                }
            }
        }
        var specials = [String: Any]()
        for (k, v) in p.specialTokens { specials[k] = ["id": k, "ids": v.ids, "tokens": v.tokens] }
        return ["type": "TemplateProcessing", "single": pieces(p.single), "pair": pieces(p.pair), "special_tokens": specials]
    }

    static func json(_ d: Decoder) -> [String: Any] {
        switch d {
        case .wordPiece(let p, let c): return ["type": "WordPiece", "prefix": p, "cleanup": c]
        case .byteLevel: return ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true]
        case .byteFallback: return ["type": "ByteFallback"]
        case .sequence(let s): return ["type": "Sequence", "decoders": s.map(json)]
        }
    }
}
