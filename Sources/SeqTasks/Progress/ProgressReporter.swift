import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on stderr: on a terminal, one bar redrawn in place (step, loss, tokens/s, ETA);
/// otherwise a plain line every `logEvery` steps, so logs stay readable in files and CI.
public final class ProgressReporter {
    public enum Style: Sendable { case bar, lines, silent }
    public let style: Style
    public let logEvery: Int
    private var lastDraw: UInt64 = 0
    private var barShown = false
    private let write: (String) -> Void

    public init(style: Style? = nil, logEvery: Int = 10, write: ((String) -> Void)? = nil) {
        self.style = style ?? (isatty(2) != 0 ? .bar : .lines)
        self.logEvery = max(1, logEvery)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// After each step. `totalSteps` nil when only a time limit bounds the run;
    /// `remainingSeconds` is the estimate to the end.
    public func step(_ step: Int, totalSteps: Int?, loss: Float, learningRate: Float, tokensPerSecond: Double,
                     elapsed: Double, remainingSeconds: Double?) {
        switch style {
        case .silent:
            return
        case .lines:
            guard step % logEvery == 0 || step == 1 || step == totalSteps else { return }
            let of = totalSteps.map { "/\($0)" } ?? ""
            write(String(format: "step %d%@ loss %.4f lr %.2e tokens/s %.0f elapsed %@%@\n", step, of, loss, learningRate,
                         tokensPerSecond, Self.clock(elapsed), remainingSeconds.map { " eta " + Self.clock($0) } ?? ""))
        case .bar:
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - lastDraw > 100_000_000 || step == totalSteps else { return }
            lastDraw = now
            let width = 24
            var bar = ""
            if let totalSteps, totalSteps > 0 {
                let filled = min(width, width * step / totalSteps)
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            }
            let of = totalSteps.map { "/\($0)" } ?? ""
            write(String(format: "\r\u{1B}[K%@step %d%@  loss %.3f  %.0f tok/s  %@ eta %@", bar, step, of, loss, tokensPerSecond,
                         Self.clock(elapsed), remainingSeconds.map { Self.clock($0) } ?? "?"))
            barShown = true
        }
    }

    /// A line of its own (evaluation results, checkpoints), clearing the bar first.
    public func message(_ text: String) {
        guard style != .silent else { return }
        if barShown { write("\r\u{1B}[K") }
        write(text + "\n")
        barShown = false
    }

    public func finish() {
        if barShown { write("\n") }
        barShown = false
    }

    /// 75.3 → "1:15", 3725 → "1:02:05".
    public static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
