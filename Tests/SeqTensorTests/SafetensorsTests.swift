import Foundation
import Testing
@testable import SeqTensor

/// Golden bytes written by Hugging Face's `safetensors` 0.8.0: bench/golden/safetensors_golden.py.
enum SafetensorsGolden {
    /// {"weight": [[1, 2], [3, -4.5]], "bias": [0.5, -1], "scalar": 7.25, "empty": zeros(0, 3)}
    /// with metadata {"format": "pt"} (output line "f32").
    static let f32Hex = "10010000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c2262696173223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c385d7d2c22656d707479223a7b226474797065223a22463332222c227368617065223a5b302c335d2c22646174615f6f666673657473223a5b382c385d7d2c227363616c6172223a7b226474797065223a22463332222c227368617065223a5b5d2c22646174615f6f666673657473223a5b382c31325d7d2c22776569676874223a7b226474797065223a22463332222c227368617065223a5b322c325d2c22646174615f6f666673657473223a5b31322c32385d7d7d20202020200000003f000080bf0000e8400000803f0000004000004040000090c0"
    /// {"h": F16 specials, "i": I64 [-3, 0, 2^40], "b": BOOL [true, false]} (output line "mixed").
    static let mixedHex = "a8000000000000007b2269223a7b226474797065223a22493634222c227368617065223a5b335d2c22646174615f6f666673657473223a5b302c32345d7d2c2268223a7b226474797065223a22463136222c227368617065223a5b31325d2c22646174615f6f666673657473223a5b32342c34385d7d2c2262223a7b226474797065223a22424f4f4c222c227368617065223a5b325d2c22646174615f6f666673657473223a5b34382c35305d7d7d20fdffffffffffffff00000000000000000000000000010000000000800100ff030004003c00c0ff7b007c00fc007e55350100"
    /// The F16 bit patterns in "h" and their Float32 values as numpy converts them ("f16 values").
    static let halfBits: [UInt16] = [0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0xC000, 0x7BFF, 0x7C00, 0xFC00, 0x7E00, 0x3555]
    static let halfValues: [Float] = [0.0, -0.0, 5.960464477539063e-08, 6.097555160522461e-05, 6.103515625e-05, 1.0, -2.0,
                                      65504.0, .infinity, -.infinity, .nan, 0.333251953125]
    /// BF16 patterns and values ("bf16 values"; subnormals as exact hex literals:
    /// 9.183549615799121e-41, 1.1663108012064884e-38, 1.1754943508222875e-38).
    static let bfloatBits: [UInt16] = [0x0000, 0x8000, 0x0001, 0x007F, 0x0080, 0x3F80, 0xC040, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0, 0x3EAB]
    static let bfloatValues: [Float] = [0.0, -0.0, 0x1p-133, 0x1.fcp-127, 0x1p-126, 1.0,
                                        -3.0, 3.3895313892515355e+38, .infinity, -.infinity, .nan, 0.333984375]
}

func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = hex.makeIterator()
    while let hi = it.next(), let lo = it.next() { out.append(UInt8(String([hi, lo]), radix: 16)!) }
    return out
}

/// Same value, or both NaN; signed zeros must match.
func sameFloat(_ a: Float, _ b: Float) -> Bool {
    (a.isNaN && b.isNaN) || a.bitPattern == b.bitPattern
}

/// A fresh directory under the system temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("seq-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct SafetensorsTests {
    static var goldenTensors: [(name: String, tensor: Tensor)] {
        [
            ("weight", Tensor(shape: [2, 2], scalars: [1, 2, 3, -4.5])),
            ("bias", Tensor(shape: [2], scalars: [0.5, -1])),
            ("scalar", Tensor(scalar: 7.25)),
            ("empty", Tensor(zeros: [0, 3])),
        ]
    }

    @Test func encodesTheBytesHuggingFaceWrites() throws {
        let encoded = try Safetensors.encode(Self.goldenTensors, metadata: ["format": "pt"])
        #expect(encoded == bytes(hex: SafetensorsGolden.f32Hex))
    }

    @Test func decodesHuggingFaceF32() throws {
        let archive = try Safetensors.decode(bytes(hex: SafetensorsGolden.f32Hex))
        #expect(archive.names == ["bias", "empty", "scalar", "weight"])
        #expect(archive.metadata == ["format": "pt"])
        #expect(archive["weight"]?.shape == [2, 2])
        #expect(archive["weight"]?.scalars == [1, 2, 3, -4.5])
        #expect(archive["bias"]?.scalars == [0.5, -1])
        #expect(archive["scalar"]?.shape == [])
        #expect(archive["scalar"]?.scalars == [7.25])
        #expect(archive["empty"]?.shape == [0, 3])
        #expect(archive.dtypes["weight"] == .f32)
        #expect(archive["missing"] == nil)
    }

    @Test func decodesF16I64AndBool() throws {
        let archive = try Safetensors.decode(bytes(hex: SafetensorsGolden.mixedHex))
        #expect(archive.names == ["i", "h", "b"])
        #expect(archive.metadata == nil)
        #expect(archive.dtypes == ["i": .i64, "h": .f16, "b": .bool])
        let h = try #require(archive["h"]).scalars
        #expect(h.count == SafetensorsGolden.halfValues.count)
        for (x, y) in zip(h, SafetensorsGolden.halfValues) { #expect(sameFloat(x, y), "\(x) vs \(y)") }
        #expect(archive["i"]?.scalars == [-3, 0, 1_099_511_627_776])
        #expect(archive["b"]?.scalars == [1, 0])
    }

    @Test func decodesBF16() throws {
        var data: [UInt8] = []
        for b in SafetensorsGolden.bfloatBits { data.append(UInt8(b & 0xFF)); data.append(UInt8(b >> 8)) }
        let file = Self.file(header: #"{"x":{"dtype":"BF16","shape":[3,4],"data_offsets":[0,24]}}"#, data: data)
        let x = try #require(try Safetensors.decode(file)["x"])
        #expect(x.shape == [3, 4])
        for (a, b) in zip(x.scalars, SafetensorsGolden.bfloatValues) { #expect(sameFloat(a, b), "\(a) vs \(b)") }
    }

    #if !(os(macOS) && arch(x86_64))
    /// The bit-twiddling F16 decoder against the standard library's conversion, for all
    /// 65536 inputs (subnormals, infinities and NaN payloads included).
    @Test func halfConversionIsExactForEveryBitPattern() {
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let got = DTypeConversion.halfToFloat(bits)
            if expected.isNaN {
                #expect(got.isNaN && got.sign == expected.sign, "bits \(bits)")
            } else if got.bitPattern != expected.bitPattern {
                Issue.record("bits \(String(bits, radix: 16)): \(got) vs \(expected)")
            }
        }
    }
    #endif

    @Test func roundTripsThroughAFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        var rng = SystemRandomNumberGenerator()
        let big = Tensor(shape: [123, 457], scalars: (0..<(123 * 457)).map { _ in Float.random(in: -3...3, using: &rng) })
        let tensors: [(name: String, tensor: Tensor)] = [
            ("z.last", Tensor(shape: [3], scalars: [1, .infinity, -0.0])),
            ("bert.embeddings.word_embeddings.weight", big),
            ("ünïcode \"quoted\"\n", Tensor(shape: [1, 1, 1], scalars: [42])),
            ("a.scalar", Tensor(scalar: -1)),
        ]
        let metadata = ["format": "pt", "step": "1200", "note": "tab\there \u{1}"]
        try Safetensors.write(tensors, metadata: metadata, to: url)
        let archive = try Safetensors.read(url)
        #expect(archive.metadata == metadata)
        #expect(archive.names == tensors.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for (name, tensor) in tensors {
            let got = try #require(archive[name])
            #expect(got.shape == tensor.shape)
            #expect(got.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern))
        }
        // A second write replaces the file.
        try Safetensors.write([("only", Tensor(scalar: 3))], to: url)
        #expect(try Safetensors.read(url).names == ["only"])
        #expect(try Safetensors.read(url).metadata == nil)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers == ["model.safetensors"])
    }

    @Test func writerRejectsDuplicateAndReservedNames() {
        let t = Tensor(scalar: 1)
        #expect(throws: SafetensorsError(path: "<memory>", reason: .duplicateName("a"))) {
            try Safetensors.encode([("a", t), ("b", t), ("a", t)])
        }
        #expect(throws: SafetensorsError.self) { try Safetensors.encode([("__metadata__", t)]) }
    }

    @Test func failedWriteLeavesTheOldFileAndNoTemporary() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("keep.safetensors")
        try Safetensors.write([("w", Tensor(shape: [2], scalars: [1, 2]))], to: url)
        let before = try Data(contentsOf: url)

        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try AtomicFile.write(to: url) { sink in
                try [UInt8](repeating: 7, count: 100).withUnsafeBytes { try sink.write($0) }
                throw Boom()
            }
        }
        #expect(try Data(contentsOf: url) == before)

        // The target is a directory: rename fails, the directory survives, no temporary remains.
        let blocker = dir.appendingPathComponent("blocker")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
        #expect(throws: SafetensorsError.self) { try Safetensors.write([("w", Tensor(scalar: 1))], to: blocker) }
        // A missing directory fails before anything is written.
        let nowhere = dir.appendingPathComponent("no/such/dir/x.safetensors")
        #expect(throws: SafetensorsError.self) { try Safetensors.write([("w", Tensor(scalar: 1))], to: nowhere) }

        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["blocker", "keep.safetensors"])
        #expect(try Data(contentsOf: url) == before)
    }

    // MARK: Malformed input

    /// A file with `header` as its JSON (length prefix computed) and `data` after it.
    static func file(header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var out: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
        return out + h + data
    }

    static func reason(_ bytes: [UInt8]) -> SafetensorsError.Reason? {
        do {
            _ = try Safetensors.decode(bytes, path: "bad.safetensors")
            return nil
        } catch let error as SafetensorsError {
            #expect(error.path == "bad.safetensors")
            #expect(error.description.hasPrefix("bad.safetensors: "))
            return error.reason
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test func emptyAndTinyFiles() {
        #expect(Self.reason([]) == .fileTooSmall(size: 0))
        #expect(Self.reason([1, 0, 0]) == .fileTooSmall(size: 3))
    }

    @Test func truncatedAtEveryByte() throws {
        let golden = bytes(hex: SafetensorsGolden.f32Hex)
        let headerEnd = 8 + 0x110
        for cut in 0..<golden.count {
            let reason = Self.reason(Array(golden[0..<cut]))
            switch cut {
            case 0..<8: #expect(reason == .fileTooSmall(size: cut))
            case 8..<headerEnd: #expect(reason == .headerLengthExceedsFile(length: 0x110, available: cut - 8))
            default:
                guard case .truncated = reason else { Issue.record("cut \(cut): \(String(describing: reason))"); continue }
            }
        }
        // Truncated files on disk give the same errors.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("cut.safetensors")
        try Data(golden[0..<(golden.count - 3)]).write(to: url)
        #expect(throws: SafetensorsError(path: url.path, reason: .truncated(tensor: "weight", end: 28, dataSize: 25))) {
            try Safetensors.read(url)
        }
    }

    @Test func lyingAndHugeHeaderLengths() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let data: [UInt8] = [0, 0, 128, 63]
        #expect(try Safetensors.decode(Self.file(header: header, data: data))["a"]?.scalars == [1])
        let n = UInt64(header.utf8.count)
        #expect(Self.reason(Self.file(header: header, data: data, length: n + 5)) == .headerLengthExceedsFile(length: n + 5, available: Int(n) + 4))
        guard case .invalidHeader = Self.reason(Self.file(header: header, data: data, length: n - 1)) else {
            Issue.record("short header length accepted"); return
        }
        guard case .invalidHeader = Self.reason(Self.file(header: header, data: data, length: 0)) else {
            Issue.record("zero header length accepted"); return
        }
        for huge in [UInt64(1) << 63, UInt64.max, UInt64(Int.max), UInt64(Int.max) + 1] {
            #expect(Self.reason(Self.file(header: header, data: data, length: huge)) ==
                .headerLengthExceedsFile(length: huge, available: Int(n) + 4))
        }
    }

    /// A header length over the limit inside a (sparse) file large enough to hold it.
    @Test func headerOverTheLimitIsRejectedBeforeReading() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("huge.safetensors")
        let length = UInt64(Safetensors.maxHeaderLength + 1)
        var prefix: [UInt8] = []
        withUnsafeBytes(of: length.littleEndian) { prefix.append(contentsOf: $0) }
        try Data(prefix).write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: length + 64)
        try handle.close()
        #expect(throws: SafetensorsError(path: url.path, reason: .headerTooLarge(length: length, limit: Safetensors.maxHeaderLength))) {
            try Safetensors.read(url)
        }
    }

    @Test(arguments: [
        "not json at all",
        "[1, 2]",
        "\"a string\"",
        "{\"a\":",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} trailing",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}",
        "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}",
        "{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}}",
        "{\"a\":[0,4]}",
        "{\"__metadata__\":{\"k\":1}}",
        "{\"__metadata__\":[\"k\"]}",
        "{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}",
        "{\"a\\q\":1}",
        "{\"a\\ud800\":1}",
        "{\"a\":tru}",
        "{\"a\u{01}\":1}",
    ])
    func invalidHeaderJSON(_ header: String) {
        let reason = Self.reason(Self.file(header: header, data: [0, 0, 0, 0]))
        guard case .invalidHeader = reason else { Issue.record("\(header): \(String(describing: reason))"); return }
    }

    @Test func invalidUTF8AndDeepNesting() {
        var header = Array(#"{"a"#.utf8) + [0xFF, 0xFE] + Array(#"":1}"#.utf8)
        var file: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        guard case .invalidHeader = Self.reason(file + header) else { Issue.record("invalid UTF-8 accepted"); return }
        header = Array(String(repeating: "[", count: 100_000).utf8)
        file = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        guard case .invalidHeader = Self.reason(file + header) else { Issue.record("deep nesting accepted"); return }
    }

    @Test func unknownDTypes() {
        for dtype in ["F8_E4M3", "U16", "C64", "f32", ""] {
            let header = #"{"w":{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,2]}}"#
            #expect(Self.reason(Self.file(header: header, data: [1, 2])) == .unsupportedDType(tensor: "w", dtype: dtype))
        }
    }

    @Test func shapeAndSizeMismatch() {
        #expect(Self.reason(Self.file(header: #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#, data: .init(repeating: 0, count: 20)))
                == .sizeMismatch(tensor: "w", shape: [2, 3], dtype: "F32", byteCount: 20))
        #expect(Self.reason(Self.file(header: #"{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,12]}}"#, data: .init(repeating: 0, count: 12)))
                == .sizeMismatch(tensor: "w", shape: [3], dtype: "F16", byteCount: 12))
        // The element count overflows Int: must be a mismatch, not a trap.
        let huge = 1 << 40
        #expect(Self.reason(Self.file(header: #"{"w":{"dtype":"F32","shape":[\#(huge),\#(huge)],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
                == .sizeMismatch(tensor: "w", shape: [huge, huge], dtype: "F32", byteCount: 4))
    }

    @Test func offsetsOutOfRangeOverlappingOrLeavingGaps() {
        func f(_ a: [Int], _ b: [Int], data: Int) -> SafetensorsError.Reason? {
            let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[\#(a[0]),\#(a[1])]},"b":{"dtype":"F32","shape":[1],"data_offsets":[\#(b[0]),\#(b[1])]}}"#
            return Self.reason(Self.file(header: header, data: .init(repeating: 0, count: data)))
        }
        #expect(f([0, 4], [4, 8], data: 8) == nil)
        #expect(f([4, 8], [0, 4], data: 8) == nil)
        #expect(f([0, 4], [4, 8], data: 6) == .truncated(tensor: "b", end: 8, dataSize: 6))
        #expect(f([0, 4], [1000, 1004], data: 8) == .truncated(tensor: "b", end: 1004, dataSize: 8))
        #expect(f([0, 4], [2, 6], data: 8) == .overlap(tensor: "b", other: "a"))
        #expect(f([0, 4], [0, 4], data: 4) == .overlap(tensor: "b", other: "a"))
        #expect(f([0, 4], [8, 12], data: 12) == .gap(tensor: "b", begin: 8, expected: 4))
        #expect(f([4, 8], [8, 12], data: 12) == .gap(tensor: "a", begin: 4, expected: 0))
        #expect(f([0, 4], [4, 8], data: 9) == .trailingBytes(covered: 8, dataSize: 9))
        #expect(f([8, 4], [0, 4], data: 8) == .invalidOffsets(tensor: "a", begin: 8, end: 4))
        // Data but no tensors.
        #expect(Self.reason(Self.file(header: "{}", data: [1])) == .trailingBytes(covered: 0, dataSize: 1))
        #expect(Self.reason(Self.file(header: "{}"))  == nil)
    }

    @Test func duplicateTensorNames() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(Self.reason(Self.file(header: header, data: .init(repeating: 0, count: 8))) == .duplicateName("a"))
    }

    @Test func errorsNameTheFileAndWhatWasExpected() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try Data([1, 2, 3]).write(to: url)
        do {
            _ = try Safetensors.read(url)
            Issue.record("read a 3-byte file")
        } catch {
            #expect("\(error)" == "\(url.path): file has 3 bytes; expected at least 8 (the little-endian header length)")
        }
        #expect(throws: SafetensorsError.self) { try Safetensors.read(dir.appendingPathComponent("absent.safetensors")) }
        #expect(throws: SafetensorsError.self) { try Safetensors.read(dir) }
    }
}
