import Testing
@testable import SeqText

/// Python's `bytes.decode("utf-8", errors="replace")` outputs, computed with CPython 3.11.
struct UTF8DecodingTests {
    @Test(arguments: [
        ([0x61, 0x62], [0x61, 0x62]),
        ([0xC3, 0xA9], [0xE9]),
        ([0xFF], [0xFFFD]),
        ([0xC3], [0xFFFD]),
        ([0xE2, 0x82], [0xFFFD]),                       // truncated 3-byte: one U+FFFD
        ([0xE2, 0x82, 0x41], [0xFFFD, 0x41]),
        ([0xED, 0xA0, 0x80], [0xFFFD, 0xFFFD, 0xFFFD]),   // surrogate: each byte
        ([0xC0, 0xAF], [0xFFFD, 0xFFFD]),               // overlong
        ([0xF0, 0x80, 0x80, 0x80], [0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD]),
        ([0xF4, 0x90, 0x80, 0x80], [0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD]),
        ([0xF0, 0x9F, 0x98], [0xFFFD]),
        ([0xF0, 0x9F, 0x98, 0x80], [0x1F600]),
        ([0x80, 0x80], [0xFFFD, 0xFFFD]),
        ([0x00, 0x61], [0x00, 0x61]),
    ] as [([UInt8], [UInt32])])
    func decodesLikePython(_ bytes: [UInt8], _ expected: [UInt32]) {
        #expect(UTF8Decoding.scalars(bytes) == expected)
    }

    @Test func asciiCheck() {
        let a = Array("hello world, a long ascii line!".utf8)
        #expect(a.withUnsafeBufferPointer { UTF8Decoding.isASCII($0) })
        let b = a + [0xC3, 0xA9]
        #expect(!b.withUnsafeBufferPointer { UTF8Decoding.isASCII($0) })
    }
}
