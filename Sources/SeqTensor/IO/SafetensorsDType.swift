/// The element types seq reads from safetensors files (all are converted to Float32).
/// seq writes F32 only. The raw values are the format's own names.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }
}

#if _endian(big)
#error("safetensors data is little-endian; seq's reader and writer assume a little-endian host")
#endif

/// Element conversions to Float32. Each is a plain loop over typed, aligned pointers that
/// the compiler vectorises; the caller copies file bytes into an aligned scratch buffer
/// first, so no loop does unaligned or per-element checked loads.
enum DTypeConversion {
    /// IEEE binary16 → binary32, exact for every input, written with integer and one float
    /// multiply so that it vectorises and builds where `Float16` is unavailable (x86-64
    /// macOS): shifting exponent and mantissa into place and scaling by 2^112 rebiases
    /// normals and turns half subnormals into exact floats; infinities and NaNs (exponent
    /// all ones) get the float's all-ones exponent and keep their payload.
    @inline(__always)
    static func halfToFloat(_ bits: UInt16) -> Float {
        let h = UInt32(bits)
        let sign = (h & 0x8000) << 16
        let exponentMantissa = h & 0x7FFF
        let shifted = exponentMantissa << 13
        let scaled = (Float(bitPattern: shifted) * 0x1p112).bitPattern
        let magnitude = exponentMantissa >= 0x7C00 ? (shifted | 0x7F80_0000) : scaled
        return Float(bitPattern: magnitude | sign)
    }

    /// bfloat16 is the upper half of a binary32.
    @inline(__always)
    static func bfloat16ToFloat(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Converts `count` elements of `dtype` at `source` (aligned for that type) into `out`.
    static func convert(_ dtype: SafetensorsDType, from source: UnsafeRawPointer, count: Int,
                        into out: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .f32:
            out.update(from: source.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            let s = source.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = halfToFloat(s[i]) }
        case .bf16:
            let s = source.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = bfloat16ToFloat(s[i]) }
        case .f64:
            let s = source.assumingMemoryBound(to: Double.self)
            for i in 0..<count { out[i] = Float(s[i]) }
        case .i64:
            let s = source.assumingMemoryBound(to: Int64.self)
            for i in 0..<count { out[i] = Float(s[i]) }
        case .i32:
            let s = source.assumingMemoryBound(to: Int32.self)
            for i in 0..<count { out[i] = Float(s[i]) }
        case .i16:
            let s = source.assumingMemoryBound(to: Int16.self)
            for i in 0..<count { out[i] = Float(s[i]) }
        case .i8:
            let s = source.assumingMemoryBound(to: Int8.self)
            for i in 0..<count { out[i] = Float(s[i]) }
        case .u8:
            let s = source.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { out[i] = Float(s[i]) }
        case .bool:
            let s = source.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { out[i] = s[i] != 0 ? 1 : 0 }
        }
    }
}
