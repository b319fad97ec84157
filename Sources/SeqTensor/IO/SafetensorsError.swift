/// Why a safetensors file could not be read or written: one error naming the file and
/// what was expected. Reading never traps or reads out of bounds on malformed input.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        /// A system call failed (`errno` as reported).
        case io(operation: String, errno: Int32)
        /// Fewer than the 8 bytes of the header length.
        case fileTooSmall(size: Int)
        /// The header length is larger than what follows it in the file.
        case headerLengthExceedsFile(length: UInt64, available: Int)
        /// The header length is above the format's limit (100 MB, as in Hugging Face's reader).
        case headerTooLarge(length: UInt64, limit: Int)
        /// The header is not the JSON the format prescribes.
        case invalidHeader(String)
        /// Two entries with one name.
        case duplicateName(String)
        /// A dtype seq cannot read (unknown, or known to the format but not supported here).
        case unsupportedDType(tensor: String, dtype: String)
        /// shape × dtype size differs from the tensor's byte range.
        case sizeMismatch(tensor: String, shape: [Int], dtype: String, byteCount: Int)
        /// `data_offsets` that are not `[begin, end]` with begin ≤ end.
        case invalidOffsets(tensor: String, begin: Int, end: Int)
        /// A tensor ends beyond the end of the file.
        case truncated(tensor: String, end: Int, dataSize: Int)
        /// A tensor's range overlaps the previous tensor's.
        case overlap(tensor: String, other: String)
        /// Bytes between two tensors (or before the first) belong to no tensor.
        case gap(tensor: String, begin: Int, expected: Int)
        /// Bytes after the last tensor belong to no tensor.
        case trailingBytes(covered: Int, dataSize: Int)
        /// Arguments given to the writer are invalid (duplicate or reserved names).
        case invalidArgument(String)
    }

    /// The file concerned.
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case let .io(operation, code):
            what = "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .fileTooSmall(size):
            what = "file has \(size) bytes; expected at least 8 (the little-endian header length)"
        case let .headerLengthExceedsFile(length, available):
            what = "header length \(length) exceeds the \(available) bytes that follow it; expected a length within the file (truncated or not safetensors)"
        case let .headerTooLarge(length, limit):
            what = "header length \(length) is above the limit of \(limit) bytes"
        case let .invalidHeader(message):
            what = "invalid header: \(message)"
        case let .duplicateName(name):
            what = "tensor name \"\(name)\" appears twice; expected unique names"
        case let .unsupportedDType(tensor, dtype):
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            what = "tensor \"\(tensor)\" has dtype \"\(dtype)\"; expected one of \(known)"
        case let .sizeMismatch(tensor, shape, dtype, byteCount):
            what = "tensor \"\(tensor)\" of shape \(shape) and dtype \(dtype) spans \(byteCount) bytes; expected shape × dtype size bytes"
        case let .invalidOffsets(tensor, begin, end):
            what = "tensor \"\(tensor)\" has data_offsets [\(begin), \(end)]; expected begin ≤ end"
        case let .truncated(tensor, end, dataSize):
            what = "tensor \"\(tensor)\" ends at byte \(end) of the data area, which has only \(dataSize) bytes (file truncated?)"
        case let .overlap(tensor, other):
            what = "tensor \"\(tensor)\" overlaps tensor \"\(other)\"; expected disjoint byte ranges"
        case let .gap(tensor, begin, expected):
            what = "tensor \"\(tensor)\" begins at byte \(begin) of the data area; expected \(expected) (no unused bytes between tensors)"
        case let .trailingBytes(covered, dataSize):
            what = "tensors cover \(covered) of the \(dataSize) bytes of the data area; expected them to cover it all"
        case let .invalidArgument(message):
            what = message
        }
        return "\(path): \(what)"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
