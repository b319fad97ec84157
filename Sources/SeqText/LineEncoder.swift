/// Encodes lines (UTF-8 bytes) one after another with reusable scratch buffers: the hot path
/// of `seq tokenize`. One per thread. After `encode(_:addSpecialTokens:)`, `ids`, `starts`
/// and `ends` hold the tokens, offsets in Unicode scalars of the decoded line (specials 0-0).
public final class LineEncoder {
    let tokenizer: Tokenizer
    var out: Scratch
    let before: [Int32]
    let after: [Int32]

    struct Scratch {
        var ids = Buffer<Int32>(capacity: 256)
        var starts = Buffer<Int32>(capacity: 256)
        var ends = Buffer<Int32>(capacity: 256)
        var word = Buffer<UInt8>(capacity: 256)
        var origin = Buffer<Int32>(capacity: 256)
        var wordChars = 0
        var runClass = CharClass.word
        var pieces = Buffer<Int32>(capacity: 256)
        var hashes = Buffer<UInt64>(capacity: 256)
        var scalars = Buffer<UInt32>(capacity: 1024)
        var bpe = BPE.Workspace()
        var cache = WordCache()
        /// When set, words are collected into `words`/`wordEnds` instead of running the model.
        var collectWords = false
        var words = Buffer<UInt8>(capacity: 1024)
        var wordEnds = Buffer<Int32>(capacity: 256)

        func free() {
            ids.free(); starts.free(); ends.free(); word.free(); origin.free(); pieces.free(); hashes.free(); scalars.free()
            bpe.free(); words.free(); wordEnds.free(); cache.free()
        }

        @inline(__always)
        mutating func emit(_ id: Int32, _ start: Int32, _ end: Int32) {
            ids.append(id); starts.append(start); ends.append(end)
        }

        /// Runs the model over the current word and emits its tokens.
        @inline(__always)
        mutating func flushWord(_ model: Kernel) {
            let n = word.count
            guard n > 0 else { return }
            if collectWords {
                words.reserve(words.count + n)
                (words.base + words.count).update(from: word.base, count: n)
                words.count += n
                wordEnds.append(Int32(words.count))
                word.count = 0; origin.count = 0; wordChars = 0
                return
            }
            switch model {
            case .wordPiece(let wp):
                hashes.reserve(min(n, wp.initial.maxKeyLength) + 1)
                pieces.count = 0
                if wp.tokenize(word.base, n, charCount: wordChars, hashes: hashes.base, pieces: &pieces) {
                    var k = 0
                    while k < pieces.count {
                        emit(pieces[k], origin[Int(pieces[k + 1])], origin[Int(pieces[k + 2]) - 1] &+ 1)
                        k &+= 3
                    }
                } else {
                    emit(wp.unknownId, origin[0], origin[n - 1] &+ 1)
                }
            case .bpe(let m):
                pieces.count = 0
                // With dropout every occurrence is segmented afresh (as tokenizers does).
                let cacheable = n <= WordCache.maxWordBytes && m.dropout == 0
                let h = cacheable ? ByteTable.hash(word.buffer) | 1 : 0
                if !cacheable || !cache.lookup(word.buffer, hash: h, into: &pieces) {
                    m.tokenize(word.buffer, workspace: &bpe, pieces: &pieces)
                    if cacheable && pieces.count > 0 { cache.insert(word.buffer, hash: h, pieces: pieces.buffer) }
                }
                var k = 0
                while k < pieces.count {
                    emit(pieces[k], origin[Int(pieces[k + 1])], origin[Int(pieces[k + 2]) - 1] &+ 1)
                    k &+= 3
                }
            }
            word.count = 0
            origin.count = 0
            wordChars = 0
        }

        /// Appends scalar `c` (class `cls`) from original scalar `at` to the word being built.
        @inline(__always)
        mutating func add(_ c: UInt32, _ cls: CharClass, _ at: Int32, _ model: Kernel) {
            switch cls {
            case .space:
                flushWord(model)
                return
            case .isolated:
                flushWord(model)
            case .word, .symbol:
                if word.count > 0 && runClass != cls { flushWord(model) }
                runClass = cls
            }
            if c < 0x80 {
                word.append(UInt8(c)); origin.append(at)
            } else if c < 0x800 {
                word.append(UInt8(0xC0 | (c >> 6))); word.append(UInt8(0x80 | (c & 0x3F)))
                origin.append(at); origin.append(at)
            } else if c < 0x10000 {
                word.append(UInt8(0xE0 | (c >> 12))); word.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
                word.append(UInt8(0x80 | (c & 0x3F)))
                origin.append(at); origin.append(at); origin.append(at)
            } else {
                word.append(UInt8(0xF0 | (c >> 18))); word.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
                word.append(UInt8(0x80 | ((c >> 6) & 0x3F))); word.append(UInt8(0x80 | (c & 0x3F)))
                origin.append(at); origin.append(at); origin.append(at); origin.append(at)
            }
            wordChars &+= 1
            if cls == .isolated { flushWord(model) }
        }
    }

    /// The model as trivial values where it matters (see `ByteTableView`).
    enum Kernel {
        case wordPiece(WordPieceKernel)
        case bpe(BPEKernel)
    }
    let kernel: Kernel
    /// Copies of the tokenizer's ASCII tables, private to this encoder's thread.
    let asciiTable: UnsafeMutablePointer<UInt16>
    let asciiStarts: UnsafeMutablePointer<Bool>

    init(_ tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
        switch tokenizer.model {
        case .wordPiece(let wp): kernel = .wordPiece(wp.kernel)
        case .bpe(let b): kernel = .bpe(b.kernel)
        }
        asciiTable = .allocate(capacity: 128)
        asciiTable.initialize(repeating: 0, count: 128)
        for (i, e) in tokenizer.asciiTable.enumerated() { asciiTable[i] = e }
        asciiStarts = .allocate(capacity: 128)
        asciiStarts.initialize(repeating: false, count: 128)
        for (i, e) in tokenizer.matcher.asciiStarts.enumerated() { asciiStarts[i] = e }
        out = Scratch()
        let around: (before: [Int32], after: [Int32]) = tokenizer.postProcessor?.singleAround ?? ([], [])
        before = around.before
        after = around.after
    }

    deinit { out.free(); asciiTable.deallocate(); asciiStarts.deallocate() }

    @inline(__always)
    func mayHoldAddedToken(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        if tokenizer.matcher.isEmpty { return false }
        let starts = asciiStarts
        for b in line where starts[Int(b)] { return true }
        return false
    }

    public var count: Int { out.ids.count }
    public var ids: UnsafeBufferPointer<Int32> { out.ids.buffer }
    public var starts: UnsafeBufferPointer<Int32> { out.starts.buffer }
    public var ends: UnsafeBufferPointer<Int32> { out.ends.buffer }

    /// Encodes one line (without its newline). Special tokens as the single template adds them.
    public func encode(_ line: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool = true) {
        var s = out
        defer { out = s }
        s.ids.count = 0; s.starts.count = 0; s.ends.count = 0
        if addSpecialTokens { for id in before { s.emit(id, 0, 0) } }
        let first = s.ids.count
        encodeSequence(line, &s)
        if !tokenizer.tokenSpaces.isEmpty { trimOffsets(&s, from: first) }
        if addSpecialTokens { for id in after { s.emit(id, 0, 0) } }
    }

    /// tokenizers' `process_offsets` (byte-level `trim_offsets`).
    func trimOffsets(_ s: inout Scratch, from first: Int) {
        let spaces = tokenizer.tokenSpaces
        let addPrefix = tokenizer.postProcessor?.addPrefixSpace ?? false
        for k in first..<s.ids.count {
            let id = Int(s.ids[k])
            guard id >= 0 && id < spaces.count else { continue }
            var lead = Int32(spaces[id] >> 8)
            let trail = Int32(spaces[id] & 0xFF)
            var (a, b) = (s.starts[k], s.ends[k])
            if lead > 0 {
                if (k == first || a == 0) && addPrefix && lead == 1 { lead = 0 }
                a = min(a + lead, b)
            }
            if trail > 0 && b >= trail { b = max(b - trail, a) }
            s.starts[k] = a
            s.ends[k] = b
        }
    }

    func encodeSequence(_ line: UnsafeBufferPointer<UInt8>, _ s: inout Scratch) {
        let tk = tokenizer
        let model = kernel
        s.word.count = 0; s.origin.count = 0; s.wordChars = 0
        if tk.asciiFast && UTF8Decoding.isASCII(line) && !mayHoldAddedToken(line) {
            let table = asciiTable
            var i = 0
            let n = line.count
            while i < n {
                let e = table[Int(line[i])]
                if e & 0x400 == 0 {
                    let cls = CharClass(rawValue: UInt8((e >> 8) & 3))!
                    s.add(UInt32(e & 0xFF), cls, Int32(i), model)
                }
                i &+= 1
            }
            s.flushWord(model)
            return
        }
        // General path: decode (Python's errors="replace"), split out added tokens.
        s.scalars.count = 0
        s.scalars.reserve(line.count)
        UTF8Decoding.decode(line) { c in s.scalars.append(c) }
        let scalars = s.scalars.buffer
        let matches = tk.matcher.find(scalars)
        var pos = 0
        for (range, token) in matches {
            encodeSegment(scalars, pos..<range.lowerBound, &s)
            s.emit(token.id, Int32(range.lowerBound), Int32(range.upperBound))
            pos = range.upperBound
        }
        encodeSegment(scalars, pos..<scalars.count, &s)
    }

    func encodeSegment(_ scalars: UnsafeBufferPointer<UInt32>, _ r: Range<Int>, _ s: inout Scratch) {
        guard !r.isEmpty else { return }
        let tk = tokenizer
        let model = kernel
        if let map = tk.charMap {
            for i in r {
                let at = Int32(i)
                map.forEach(scalars[i]) { c, cls in s.add(c, cls, at, model) }
            }
            s.flushWord(model)
            return
        }
        var text = NormalizedText(original: Array(scalars[r]), offset: r.lowerBound)
        tk.normalizer?.apply(&text)
        if tk.prefixSpace, let c = text.scalars.first, c != 0x20 {
            text.scalars.insert(0x20, at: 0)
            text.origins.insert(text.origins[0], at: 0)
        }
        let words = tk.preTokenizer?.split(text, [0..<text.scalars.count]) ?? [0..<text.scalars.count]
        for w in words {
            for i in w { s.add(text.scalars[i], .word, text.origins[i], model) }
            s.flushWord(model)
        }
    }

    /// The words of `line` after normalization and pre-tokenization (what trainers count):
    /// calls `body` with each word's UTF-8 bytes.
    public func forEachWord(_ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var s = out
        defer { out = s }
        s.collectWords = true
        s.words.count = 0; s.wordEnds.count = 0
        encodeSequence(line, &s)
        s.collectWords = false
        var start = 0
        for k in 0..<s.wordEnds.count {
            let end = Int(s.wordEnds[k])
            body(UnsafeBufferPointer(start: s.words.base + start, count: end - start))
            start = end
        }
    }

    /// One encoding (no special tokens, no truncation), tokens as strings.
    func encoding(of bytes: [UInt8]) -> Encoding {
        bytes.withUnsafeBufferPointer { encode($0, addSpecialTokens: false) }
        var e = Encoding()
        for k in 0..<count {
            let id = ids[k]
            e.append(id: id, token: tokenizer.token(of: id) ?? "", typeId: 0,
                     offset: .init(Int(starts[k]), Int(ends[k])), special: tokenizer.specialIds.contains(id), sequence: 0)
        }
        return e
    }
}
