#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A kernel threshold or tuning constant that an environment variable may override, for
/// A/B runs of the same binary (`SEQ_FROZEN_ROWS=64 seq bench decode …`): the variable's
/// value when it is a whole number ≥ 0, else `fallback`. Read once, by a `static let`.
public func tuningOverride(_ name: String, default fallback: Int) -> Int {
    if let value = getenv(name), let n = Int(String(cString: value)), n >= 0 { return n }
    return fallback
}
