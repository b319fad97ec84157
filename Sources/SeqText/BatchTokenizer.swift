import Dispatch

/// Encodes batches of lines on several threads, output in input order: one text line per
/// input line, in the `seq tokenize` format (ids, tokens, or `start-end` offsets).
public final class BatchTokenizer: @unchecked Sendable {
    public enum Format: Sendable { case ids, tokens, offsets }

    let tokenizer: Tokenizer
    let format: Format
    let addSpecialTokens: Bool
    let threads: Int
    let encoders: [LineEncoder]
    /// UTF-8 bytes of each token string, for `.tokens`.
    let tokenBytes: [[UInt8]]
    public private(set) var tokenCount = 0

    public init(tokenizer: Tokenizer, format: Format, addSpecialTokens: Bool, threads: Int) {
        self.tokenizer = tokenizer
        self.format = format
        self.addSpecialTokens = addSpecialTokens
        self.threads = max(1, threads)
        encoders = (0..<max(1, threads)).map { _ in tokenizer.makeLineEncoder() }
        if format == .tokens {
            var tb = (0..<tokenizer.vocabularySize).map { Array((tokenizer.vocabulary.token(Int32($0)) ?? "").utf8) }
            for t in tokenizer.addedTokens where Int(t.id) < tb.count { tb[Int(t.id)] = Array(t.content.utf8) }
            for t in tokenizer.addedTokens where Int(t.id) >= tb.count {
                while tb.count <= Int(t.id) { tb.append([]) }
                tb[Int(t.id)] = Array(t.content.utf8)
            }
            tokenBytes = tb
        } else {
            tokenBytes = []
        }
    }

    /// Encodes `lines` of `bytes`; returns the output text (one line per input line).
    public func process(_ bytes: [UInt8], _ lines: [Range<Int>]) -> [UInt8] {
        let t = min(threads, max(1, lines.count / 64))
        if t == 1 {
            var out = [UInt8]()
            out.reserveCapacity(bytes.count * 2)
            tokenCount += bytes.withUnsafeBufferPointer { run(encoders[0], $0, lines[...], &out) }
            return out
        }
        // Contiguous groups of about equal bytes.
        var bounds = [0]
        let total = lines.last.map { $0.upperBound } ?? 0
        var k = 0
        for g in 1..<t {
            let target = total * g / t
            while k < lines.count && lines[k].lowerBound < target { k += 1 }
            bounds.append(max(bounds.last!, k))
        }
        bounds.append(lines.count)
        let groups = bounds
        let parts = UnsafeMutablePointer<[UInt8]>.allocate(capacity: t)
        parts.initialize(repeating: [], count: t)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: t)
        counts.initialize(repeating: 0, count: t)
        defer { parts.deinitialize(count: t); parts.deallocate(); counts.deallocate() }
        let box = UnsafeSendable((parts, counts))
        bytes.withUnsafeBufferPointer { buf in
            let b = UnsafeSendable(buf)
            DispatchQueue.concurrentPerform(iterations: t) { g in
                var out = [UInt8]()
                if groups[g + 1] > groups[g] {
                    out.reserveCapacity((lines[groups[g + 1] - 1].upperBound - lines[groups[g]].lowerBound) * 2 + 64)
                }
                let n = self.run(self.encoders[g], b.value, lines[groups[g]..<groups[g + 1]], &out)
                box.value.0[g] = out
                box.value.1[g] = n
            }
        }
        var out = [UInt8]()
        out.reserveCapacity((0..<t).reduce(0) { $0 + parts[$1].count })
        for g in 0..<t { out += parts[g]; tokenCount += counts[g] }
        return out
    }

    func run(_ enc: LineEncoder, _ bytes: UnsafeBufferPointer<UInt8>, _ lines: ArraySlice<Range<Int>>, _ out: inout [UInt8]) -> Int {
        var tokens = 0
        for r in lines {
            enc.encode(UnsafeBufferPointer(rebasing: bytes[r]), addSpecialTokens: addSpecialTokens)
            let n = enc.count
            tokens += n
            switch format {
            case .ids:
                let ids = enc.ids
                for k in 0..<n {
                    if k > 0 { out.append(0x20) }
                    Self.appendDecimal(Int(ids[k]), &out)
                }
            case .tokens:
                let ids = enc.ids
                for k in 0..<n {
                    if k > 0 { out.append(0x20) }
                    let id = Int(ids[k])
                    if id >= 0 && id < tokenBytes.count { out.append(contentsOf: tokenBytes[id]) }
                }
            case .offsets:
                let s = enc.starts, e = enc.ends
                for k in 0..<n {
                    if k > 0 { out.append(0x20) }
                    Self.appendDecimal(Int(s[k]), &out)
                    out.append(0x2D)
                    Self.appendDecimal(Int(e[k]), &out)
                }
            }
            out.append(0x0A)
        }
        return tokens
    }

    @inline(__always)
    static func appendDecimal(_ v: Int, _ out: inout [UInt8]) {
        if v < 10 { out.append(UInt8(48 + v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v < 0 ? -v : v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = UInt8(48 + x % 10); x /= 10; n += 1 }
            if v < 0 { out.append(0x2D) }
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }
}

struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
