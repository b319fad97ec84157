#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a command may allocate, checked before it allocates: a config or a flag that
/// implies more memory than the machine has is refused in one sentence instead of being
/// killed by the kernel (or trapping in an allocation). Sizes are computed with checked
/// arithmetic, so a shape whose element count overflows is refused the same way.
public enum MemoryBudget {
    /// Physical memory of the machine, in bytes.
    public static let physical: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        let (bytes, overflow) = Int(pages).multipliedReportingOverflow(by: Int(size))
        return overflow ? Int.max : bytes
    }()

    /// The product of `factors`, nil if it overflows or a factor is negative.
    public static func product(_ factors: Int...) -> Int? { product(factors) }

    public static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = result.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            result = p
        }
        return result
    }

    /// The sum of `terms`, nil if any is nil or the sum overflows.
    public static func sum(_ terms: [Int?]) -> Int? {
        var result = 0
        for t in terms {
            guard let t else { return nil }
            let (s, overflow) = result.addingReportingOverflow(t)
            if overflow { return nil }
            result = s
        }
        return result
    }

    /// Refuses `bytes` (nil: too large to count) when it exceeds physical memory;
    /// `what` names what needs it ("the model (config.json)", "training with --batch-size 64").
    public static func require(_ bytes: Int?, for what: String, limit: Int = physical) throws(MemoryBudgetError) {
        guard let bytes else {
            throw MemoryBudgetError(message: "\(what) needs more memory than can be counted (a size overflows 64 bits)")
        }
        if bytes > limit {
            throw MemoryBudgetError(message: "\(what) needs about \(describe(bytes)) of memory, more than this machine's \(describe(limit))")
        }
    }

    /// "1.5 GiB", "300 MiB", "12 KiB", "20 B".
    public static func describe(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) B" }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)) \(units[unit])"
    }
}

/// One sentence: what needs how much, and what the machine has.
public struct MemoryBudgetError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
