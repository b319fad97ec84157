import SeqText

/// Runs a tokenizer over whole text the way `seq tokenize` does (one output line per line).
struct SeqTextTokenizerFacade {
    typealias Format = BatchTokenizer.Format
    let tokenizer: Tokenizer

    func run(_ bytes: [UInt8], format: Format, special: Bool, threads: Int = 1) -> String {
        let batch = BatchTokenizer(tokenizer: tokenizer, format: format, addSpecialTokens: special, threads: threads)
        var lines = [Range<Int>]()
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A { lines.append(start..<i); start = i + 1 }
        if start < bytes.count { lines.append(start..<bytes.count) }
        return String(decoding: batch.process(bytes, lines), as: UTF8.self)
    }
}
