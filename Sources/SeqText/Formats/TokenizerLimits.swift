import Foundation

/// Bounds on what a tokenizer file may ask for, checked before anything is allocated: a
/// vocabulary is a dense table indexed by id, so an id of 10¹² would allocate terabytes.
public enum TokenizerLimits {
    /// The largest token id accepted (2²⁴ − 1): real vocabularies stay below 300,000.
    public static let maxId = (1 << 24) - 1

    /// A token id as JSON holds it: an integer in 0...maxId, nil otherwise (3.5, -1, 1e12,
    /// 3.0, true, "7"), as Hugging Face's reader (serde, u32) refuses anything but an integer.
    static func id(_ value: Any?) -> Int? {
        guard let n = value as? NSNumber, !(n is NSDecimalNumber) else { return nil }
        // JSONSerialization gives integers an integer type, true and false "c", and
        // anything with a fraction or an exponent "d". (`is Bool` cannot tell: 0 and 1
        // bridge to Bool.)
        guard !["d", "f", "c"].contains(String(cString: n.objCType)) else { return nil }
        let d = n.doubleValue
        guard d >= 0, d <= Double(maxId) else { return nil }
        return Int(n.int64Value)
    }
}
