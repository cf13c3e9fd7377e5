import Foundation

/// One-line text progress for the command-line tool.
public enum ProgressBar {
    /// `[#######.............]  350 / 1000` when the total is known, `pruned 350` otherwise.
    public static func render(done: Int, of total: Int?, width: Int = 30) -> String {
        guard let total, total > 0 else { return "pruned \(done)" }
        return bar(done: done, of: total, width: width) + " \(done) / \(total)"
    }

    /// `[#######.............]  35000 / 100000  4812/s  13s left`: progress with throughput and
    /// the time left at that pace. `resumedAt` is the count a resumed run started from: the
    /// throughput counts only what this run did in `elapsed`.
    public static func render(done: Int, of total: Int, resumedAt: Int = 0, elapsed: Duration, width: Int = 30)
        -> String
    {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(done - resumedAt) / seconds : 0
        let left = rate > 0 ? Int((Double(max(0, total - done)) / rate).rounded(.up)) : nil
        return bar(done: done, of: max(total, 1), width: width) + " \(done) / \(total)  \(Int(rate))/s  "
            + (left.map { "\(clock($0)) left" } ?? "time left unknown")
    }

    private static func bar(done: Int, of total: Int, width: Int) -> String {
        let filled = max(0, min(width, done * width / total))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// `42s`, `3m05s`, `1h02m`.
    static func clock(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" + String(format: "%02ds", seconds % 60) }
        return "\(seconds / 3600)h" + String(format: "%02dm", seconds / 60 % 60)
    }
}
