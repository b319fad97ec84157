/// A strict, small JSON reader for safetensors headers (RFC 8259).
///
/// Foundation's `JSONSerialization` keeps neither key order nor duplicate keys and turns
/// integers into `NSNumber`s; a header needs all three handled exactly, and a reader that
/// will be fuzzed should fail with a position rather than a bridged error. Numbers are kept
/// as their source text so that `1`, `1.0` and `-1` stay distinguishable.
enum HeaderJSON {
    case object([HeaderJSONMember])
    case array([HeaderJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A short name of the kind of value, for error messages.
    var kindName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number(let text): "the number \(text)"
        case .bool(let b): "\(b)"
        case .null: "null"
        }
    }

    /// The value as a non-negative integer written without sign, fraction or exponent
    /// (what serde reads as `usize`), or nil.
    var unsignedInteger: Int? {
        guard case .number(let text) = self, !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)   // nil on overflow
    }

    /// Parses exactly one JSON value surrounded by optional whitespace.
    static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(HeaderJSONError) -> HeaderJSON {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw HeaderJSONError(offset: parser.index, message: "unexpected text after the JSON value")
        }
        return value
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let maxDepth: Int
        var index = 0

        init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        var atEnd: Bool { index >= bytes.count }
        var current: UInt8 { bytes[index] }

        func fail(_ message: String) -> HeaderJSONError { HeaderJSONError(offset: index, message: message) }

        mutating func skipWhitespace() {
            while !atEnd, current == 0x20 || current == 0x0A || current == 0x0D || current == 0x09 { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(HeaderJSONError) {
            guard !atEnd, current == byte else {
                throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
            }
            index += 1
        }

        mutating func literal(_ word: StaticString, _ value: HeaderJSON) throws(HeaderJSONError) -> HeaderJSON {
            let n = word.utf8CodeUnitCount
            guard bytes.count - index >= n else { throw fail("expected \(word)") }
            for i in 0..<n where bytes[index + i] != word.utf8Start[i] { throw fail("expected \(word)") }
            index += n
            return value
        }

        mutating func value(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
            guard !atEnd else { throw fail("unexpected end of the header") }
            switch current {
            case UInt8(ascii: "{"):
                guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
                return try object(depth: depth + 1)
            case UInt8(ascii: "["):
                guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
                return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("expected a JSON value")
            }
        }

        mutating func object(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
            index += 1
            var members: [HeaderJSONMember] = []
            skipWhitespace()
            if !atEnd, current == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard !atEnd, current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let v = try value(depth: depth)
                members.append(HeaderJSONMember(key: key, value: v))
                skipWhitespace()
                guard !atEnd else { throw fail("unexpected end of the header inside an object") }
                if current == UInt8(ascii: ",") { index += 1; continue }
                if current == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws(HeaderJSONError) -> HeaderJSON {
            index += 1
            var elements: [HeaderJSON] = []
            skipWhitespace()
            if !atEnd, current == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                guard !atEnd else { throw fail("unexpected end of the header inside an array") }
                if current == UInt8(ascii: ",") { index += 1; continue }
                if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func number() throws(HeaderJSONError) -> HeaderJSON {
            let start = index
            func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
            if current == UInt8(ascii: "-") { index += 1 }
            guard !atEnd, isDigit(current) else { throw fail("expected a digit") }
            if current == UInt8(ascii: "0") {
                index += 1
            } else {
                while !atEnd, isDigit(current) { index += 1 }
            }
            if !atEnd, current == UInt8(ascii: ".") {
                index += 1
                guard !atEnd, isDigit(current) else { throw fail("expected a digit after '.'") }
                while !atEnd, isDigit(current) { index += 1 }
            }
            if !atEnd, current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if !atEnd, current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard !atEnd, isDigit(current) else { throw fail("expected a digit in the exponent") }
                while !atEnd, isDigit(current) { index += 1 }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            return .number(text)
        }

        mutating func hex4() throws(HeaderJSONError) -> UInt32 {
            guard bytes.count - index >= 4 else { throw fail("expected four hex digits after \\u") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = current
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw fail("expected a hex digit")
                }
                v = v << 4 | UInt32(d)
                index += 1
            }
            return v
        }

        mutating func string() throws(HeaderJSONError) -> String {
            index += 1
            var out: [UInt8] = []
            var runStart = index
            while true {
                guard !atEnd else { throw fail("unterminated string") }
                let b = current
                if b == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                    index += 1
                    break
                }
                if b < 0x20 { throw fail("control character in a string") }
                if b != UInt8(ascii: "\\") { index += 1; continue }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                guard !atEnd else { throw fail("unterminated escape") }
                let e = current
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if code >= 0xD800 && code < 0xDC00 {
                        guard bytes.count - index >= 2, current == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in \\u escape")
                        }
                        index += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if code >= 0xDC00 && code < 0xE000 {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(code)!)).utf8))
                default:
                    index -= 1
                    throw fail("invalid escape")
                }
                runStart = index
            }
            guard let s = String(validating: out, as: UTF8.self) else {
                throw fail("string is not valid UTF-8")
            }
            return s
        }
    }
}

/// One `"key": value` of an object, in source order.
struct HeaderJSONMember {
    let key: String
    let value: HeaderJSON
}

/// Where and why a header failed to parse.
struct HeaderJSONError: Error {
    let offset: Int
    let message: String
}

/// Writes strings the way serde_json does (what the Hugging Face writer uses), so that our
/// headers are byte-identical to theirs: `"` `\` and control characters escaped, `\u00xx`
/// in lower-case hex for the controls without a short form, everything else raw UTF-8.
enum HeaderJSONWriter {
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
