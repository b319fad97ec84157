import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT/SIGTERM ask the training loop to stop after the current step, checkpoint and
/// report.
public enum StopRequest {
    static let flag = Atomic<Bool>(false)
    public static var isSet: Bool { flag.load(ordering: .relaxed) }

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { _ in StopRequest.flag.store(true, ordering: .relaxed) }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }
}

/// What the process has used: CPU time and peak resident memory.
public enum ProcessStats {
    /// User + system CPU seconds of this process so far.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// Peak resident set of this process: VmHWM from /proc/self/status on Linux (getrusage's
    /// ru_maxrss keeps the parent's peak across fork and exec, so a small process started by
    /// a big one would report the parent's figure), else ru_maxrss.
    public static func peakRSSMiB() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = Double(line.split(separator: " ").dropFirst().first ?? "") {
            return kib / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// Float → the Double with 6 significant digits (short JSON); nil for NaN and infinities.
public func round6(_ x: Double) -> Double? {
    guard x.isFinite else { return nil }
    return Double(String(format: "%.6g", x)) ?? x
}
