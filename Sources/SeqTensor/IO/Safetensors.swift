import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing the safetensors format (huggingface/safetensors):
///
///     [u64 little-endian N] [N bytes of JSON header, space-padded] [data area]
///
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets relative to the data area) and may hold `"__metadata__"`, a string → string map.
/// The reader validates as strictly as Hugging Face's: tensors must tile the data area
/// exactly, with no gap, overlap or trailing byte. The writer produces the same bytes as
/// `safetensors.torch.save_file` for Float32 tensors: tensors sorted by name (byte-wise),
/// compact JSON in data order, header padded with spaces to a multiple of 8. Metadata keys
/// are written sorted (Hugging Face writes them in hash order, so only files with at most
/// one metadata key can match byte for byte).
public enum Safetensors {
    /// Header lengths above this are rejected before anything is allocated (Hugging Face's
    /// `MAX_HEADER_SIZE`).
    public static let maxHeaderLength = 100_000_000

    // MARK: Reading

    /// Reads a whole file, converting every tensor to Float32. Each byte is read once,
    /// straight into the tensor's storage for F32.
    public static func read(_ url: URL) throws -> SafetensorsArchive {
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SafetensorsError(path: path, reason: .io(operation: "open", errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SafetensorsError(path: path, reason: .io(operation: "stat", errno: errno))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SafetensorsError(path: path, reason: .io(operation: "open (not a regular file)", errno: EISDIR))
        }
        let source = FileSource(fd: fd, size: Int(info.st_size), path: path)
        return try decode(from: source, path: path)
    }

    /// Decodes a safetensors image held in memory; `path` only names it in errors.
    public static func decode(_ bytes: UnsafeRawBufferPointer, path: String = "<memory>") throws -> SafetensorsArchive {
        try decode(from: MemorySource(bytes: bytes), path: path)
    }

    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> SafetensorsArchive {
        try bytes.withUnsafeBytes { try decode($0, path: path) }
    }

    private struct Entry {
        let name: String
        let dtype: SafetensorsDType
        let shape: [Int]
        let begin: Int
        let end: Int
    }

    private static func decode(from source: some ByteSource, path: String) throws -> SafetensorsArchive {
        func fail(_ reason: SafetensorsError.Reason) -> SafetensorsError {
            SafetensorsError(path: path, reason: reason)
        }
        let size = source.size
        guard size >= 8 else { throw fail(.fileTooSmall(size: size)) }
        var lengthLE: UInt64 = 0
        try withUnsafeMutableBytes(of: &lengthLE) { try source.read(into: $0, at: 0, path: path) }
        let headerLength = UInt64(littleEndian: lengthLE)
        guard headerLength <= UInt64(size - 8) else {
            throw fail(.headerLengthExceedsFile(length: headerLength, available: size - 8))
        }
        guard headerLength <= UInt64(maxHeaderLength) else {
            throw fail(.headerTooLarge(length: headerLength, limit: maxHeaderLength))
        }
        let n = Int(headerLength)
        let dataStart = 8 + n
        let dataSize = size - dataStart

        let header = UnsafeMutableRawBufferPointer.allocate(byteCount: n, alignment: 8)
        defer { header.deallocate() }
        try source.read(into: header, at: 8, path: path)
        let json: HeaderJSON
        do {
            json = try HeaderJSON.parse(UnsafeRawBufferPointer(header))
        } catch {
            throw fail(.invalidHeader("\(error.message) at byte \(error.offset) of the JSON"))
        }
        let (entries, metadata) = try parseHeader(json, fail: fail)

        // The tensors must tile the data area exactly, as Hugging Face's `validate` demands.
        let byOffset = entries.indices.sorted {
            (entries[$0].begin, entries[$0].end) < (entries[$1].begin, entries[$1].end)
        }
        var cursor = 0
        var previous: String? = nil
        for i in byOffset {
            let e = entries[i]
            guard e.end <= dataSize else { throw fail(.truncated(tensor: e.name, end: e.end, dataSize: dataSize)) }
            if e.begin < cursor, let previous { throw fail(.overlap(tensor: e.name, other: previous)) }
            if e.begin > cursor { throw fail(.gap(tensor: e.name, begin: e.begin, expected: cursor)) }
            cursor = e.end
            previous = e.name
        }
        guard cursor == dataSize else { throw fail(.trailingBytes(covered: cursor, dataSize: dataSize)) }

        var tensors: [String: Tensor] = [:]
        var dtypes: [String: SafetensorsDType] = [:]
        tensors.reserveCapacity(entries.count)
        var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 64)
        defer { scratch.deallocate() }
        for e in entries {
            var tensor = Tensor(uninitialized: e.shape)
            let byteCount = e.end - e.begin
            try tensor.withUnsafeMutableBufferPointer { out in
                if e.dtype == .f32 {
                    try source.read(into: UnsafeMutableRawBufferPointer(out), at: dataStart + e.begin, path: path)
                    return
                }
                if scratch.count < byteCount {
                    scratch.deallocate()
                    scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
                }
                let raw = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<byteCount])
                try source.read(into: raw, at: dataStart + e.begin, path: path)
                if let base = out.baseAddress {
                    DTypeConversion.convert(e.dtype, from: UnsafeRawPointer(scratch.baseAddress!), count: out.count, into: base)
                }
            }
            tensors[e.name] = tensor
            dtypes[e.name] = e.dtype
        }
        return SafetensorsArchive(names: entries.map(\.name), tensors: tensors, dtypes: dtypes, metadata: metadata)
    }

    private static func parseHeader(
        _ json: HeaderJSON, fail: (SafetensorsError.Reason) -> SafetensorsError
    ) throws -> ([Entry], [String: String]?) {
        guard case .object(let members) = json else {
            throw fail(.invalidHeader("expected a JSON object, found \(json.kindName)"))
        }
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        var metadata: [String: String]? = nil
        var seen = Set<String>()
        for member in members {
            let (name, value) = (member.key, member.value)
            guard seen.insert(name).inserted else { throw fail(.duplicateName(name)) }
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw fail(.invalidHeader("\"__metadata__\" is \(value.kindName); expected an object of strings"))
                }
                var map: [String: String] = [:]
                for pair in pairs {
                    let (key, v) = (pair.key, pair.value)
                    guard case .string(let s) = v else {
                        throw fail(.invalidHeader("metadata \"\(key)\" is \(v.kindName); expected a string"))
                    }
                    guard map.updateValue(s, forKey: key) == nil else {
                        throw fail(.invalidHeader("metadata key \"\(key)\" appears twice"))
                    }
                }
                metadata = map
                continue
            }
            guard case .object(let fields) = value else {
                throw fail(.invalidHeader("tensor \"\(name)\" is \(value.kindName); expected an object with dtype, shape and data_offsets"))
            }
            func field(_ key: String) throws -> HeaderJSON {
                guard let v = fields.first(where: { $0.key == key })?.value else {
                    throw fail(.invalidHeader("tensor \"\(name)\" has no \"\(key)\""))
                }
                return v
            }
            func unsignedArray(_ key: String) throws -> [Int] {
                let v = try field(key)
                guard case .array(let items) = v else {
                    throw fail(.invalidHeader("tensor \"\(name)\": \"\(key)\" is \(v.kindName); expected an array of non-negative integers"))
                }
                return try items.map { item in
                    guard let n = item.unsignedInteger else {
                        throw fail(.invalidHeader("tensor \"\(name)\": \"\(key)\" holds \(item.kindName); expected non-negative integers"))
                    }
                    return n
                }
            }
            let dtypeValue = try field("dtype")
            guard case .string(let dtypeName) = dtypeValue else {
                throw fail(.invalidHeader("tensor \"\(name)\": \"dtype\" is \(dtypeValue.kindName); expected a string"))
            }
            let shape = try unsignedArray("shape")
            let offsets = try unsignedArray("data_offsets")
            guard offsets.count == 2 else {
                throw fail(.invalidHeader("tensor \"\(name)\": \"data_offsets\" has \(offsets.count) numbers; expected 2"))
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw fail(.unsupportedDType(tensor: name, dtype: dtypeName))
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end else { throw fail(.invalidOffsets(tensor: name, begin: begin, end: end)) }
            var bytes = dtype.byteSize
            var overflow = false
            for d in shape {
                let (p, o) = bytes.multipliedReportingOverflow(by: d)
                bytes = p
                overflow = overflow || o
            }
            guard !overflow, bytes == end - begin else {
                throw fail(.sizeMismatch(tensor: name, shape: shape, dtype: dtypeName, byteCount: end - begin))
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        return (entries, metadata)
    }

    // MARK: Writing

    /// Writes Float32 tensors atomically (temporary file, fsync, rename, fsync directory).
    /// On any error the old file is untouched.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]? = nil,
                             to url: URL) throws {
        let (header, order) = try layout(tensors, metadata: metadata, path: url.path)
        do {
            try AtomicFile.write(to: url) { sink in
                try header.withUnsafeBytes { try sink.write($0) }
                for i in order {
                    try tensors[i].tensor.withUnsafeBufferPointer { try sink.write(UnsafeRawBufferPointer($0)) }
                }
            }
        } catch let error as FileIOError {
            throw SafetensorsError(path: error.path, reason: .io(operation: error.operation, errno: error.errno))
        }
    }

    /// The bytes of the file `write` would produce.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]? = nil) throws -> [UInt8] {
        let (header, order) = try layout(tensors, metadata: metadata, path: "<memory>")
        var bytes = header
        for i in order {
            tensors[i].tensor.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeRawBufferPointer($0)) }
        }
        return bytes
    }

    /// The length prefix and padded header, and the order in which tensor data follows.
    private static func layout(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]?,
                               path: String) throws -> (header: [UInt8], order: [Int]) {
        var names = Set<String>()
        for (name, _) in tensors {
            guard name != "__metadata__" else {
                throw SafetensorsError(path: path, reason: .invalidArgument("\"__metadata__\" is reserved; expected another tensor name"))
            }
            guard names.insert(name).inserted else {
                throw SafetensorsError(path: path, reason: .duplicateName(name))
            }
        }
        // Hugging Face sorts by dtype alignment, then by name as Rust compares strings
        // (byte-wise UTF-8); all ours are F32.
        let order = tensors.indices.sorted { tensors[$0].name.utf8.lexicographicallyPrecedes(tensors[$1].name.utf8) }

        var json: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func separator() {
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
        }
        if let metadata {
            separator()
            HeaderJSONWriter.appendString("__metadata__", to: &json)
            json.append(contentsOf: Array(":{".utf8))
            for (k, key) in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if k > 0 { json.append(UInt8(ascii: ",")) }
                HeaderJSONWriter.appendString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                HeaderJSONWriter.appendString(metadata[key]!, to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for i in order {
            let (name, tensor) = tensors[i]
            separator()
            HeaderJSONWriter.appendString(name, to: &json)
            let end = offset + tensor.count * MemoryLayout<Float>.size
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            json.append(contentsOf: Array(":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}".utf8))
            offset = end
        }
        json.append(UInt8(ascii: "}"))
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))

        var header: [UInt8] = []
        header.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: json)
        return (header, order)
    }
}

// MARK: Byte sources

/// Where the reader's bytes come from; `read` fills `buffer` from `offset` or throws.
private protocol ByteSource {
    var size: Int { get }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws
}

private struct MemorySource: ByteSource {
    let bytes: UnsafeRawBufferPointer
    var size: Int { bytes.count }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws {
        precondition(offset >= 0 && offset + buffer.count <= bytes.count, "reader bounds check missed a range")
        guard buffer.count > 0 else { return }
        buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: buffer.count)
    }
}

/// `pread` straight into the destination: one copy, and a file truncated under us is an
/// error rather than a SIGBUS as it would be through `mmap`.
private struct FileSource: ByteSource {
    let fd: Int32
    let size: Int
    let path: String

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SafetensorsError(path: path, reason: .io(operation: "read", errno: errno))
            }
            if n == 0 {
                throw SafetensorsError(path: path, reason: .io(operation: "read (file shrank while reading)", errno: EIO))
            }
            done += n
        }
    }
}
