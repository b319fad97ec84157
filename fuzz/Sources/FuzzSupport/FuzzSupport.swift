import CFuzz

/// What every target shares: the input as bytes, and a check that stops the run with a
/// message libFuzzer records next to the crashing input.
public enum Fuzz {
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// Runs libFuzzer over `target` with the command line's arguments; the return value is
    /// the process's exit status. `warmUp` inputs run first, outside libFuzzer, so that
    /// globals initialised once on first use (tables, compiled pipelines) are not reported
    /// as leaks of the first input that touches them.
    public static func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                            warmUp: [[UInt8]],
                            _ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
        for input in warmUp { _ = input.withUnsafeBufferPointer { target($0.baseAddress, $0.count) } }
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments, target)
    }

    /// An invariant the code under test must keep; a violation is a finding.
    public static func require(_ ok: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !ok() { fatalError("invariant violated: \(message())") }
    }
}
