/// A one-line text progress bar for the command-line tool.
public enum ProgressBar {
    /// `[#######.............]  350 / 1000` when the total is known, `350` otherwise.
    public static func render(done: Int, of total: Int?, width: Int = 30) -> String {
        guard let total, total > 0 else { return "pruned \(done)" }
        let filled = min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + "\(done) / \(total)"
    }
}
