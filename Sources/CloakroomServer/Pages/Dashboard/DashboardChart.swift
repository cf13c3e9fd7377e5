import Foundation

/// A small line chart of one value per minute, drawn on the server as inline SVG.
///
/// The pages' Content-Security-Policy allows no scripts and no inline styles, so the chart is
/// plain SVG elements with classes (`chart`, `line`, `dot`, `grid`, `axis`) that the pages'
/// stylesheet colours.
struct DashboardChart: Sendable {
    /// The element's `id`, e.g. `chart-create`.
    let id: String
    /// What is drawn, e.g. "Creates per minute".
    let title: String
    /// One value per minute, oldest first; `nil` where there is no reading.
    let values: [Double?]
    /// How a value reads on the axis and in the title.
    let format: @Sendable (Double) -> String

    private static let width = 320.0
    private static let height = 120.0
    private static let left = 44.0
    private static let right = 312.0
    private static let top = 12.0
    private static let bottom = 96.0

    /// The latest value, formatted, or `–` while there is none.
    var latest: String { values.last.flatMap { $0 }.map(format) ?? "–" }

    /// The `<svg>` element.
    var svg: String {
        let ceiling = Self.roundedUp(values.compactMap { $0 }.max() ?? 0)
        var parts: [String] = [
            #"<svg id="\#(id)" class="chart" viewBox="0 0 \#(Int(Self.width)) \#(Int(Self.height))" role="img" aria-labelledby="\#(id)-title">"#,
            #"<title id="\#(id)-title">\#(Self.escaped(title)), last \#(values.count) minutes: latest \#(latest)</title>"#,
            Self.line(y: Self.top, class: "grid"), Self.line(y: Self.bottom, class: "grid"),
            Self.text(format(ceiling), x: Self.left - 6, y: Self.top + 4, anchor: "end"),
            Self.text(format(0), x: Self.left - 6, y: Self.bottom + 4, anchor: "end"),
            Self.text("\(values.count) min ago", x: Self.left, y: Self.height - 6, anchor: "start"),
            Self.text("now", x: Self.right, y: Self.height - 6, anchor: "end"),
        ]
        let points = values.enumerated().map { index, value in
            value.map { (x: x(index), y: Self.bottom - ($0 / ceiling) * (Self.bottom - Self.top)) }
        }
        // One polyline per run of minutes with readings, so a gap shows as a gap.
        var run: [(x: Double, y: Double)] = []
        for point in points + [nil] {
            if let point {
                run.append(point)
            } else {
                if run.count > 1 {
                    let coordinates = run.map { "\(Self.number($0.x)),\(Self.number($0.y))" }
                    parts.append(#"<polyline class="line" points="\#(coordinates.joined(separator: " "))"/>"#)
                }
                run = []
            }
        }
        for case let point? in points {
            parts.append(#"<circle class="dot" cx="\#(Self.number(point.x))" cy="\#(Self.number(point.y))" r="2"/>"#)
        }
        if points.allSatisfy({ $0 == nil }) {
            parts.append(Self.text("collecting data", x: (Self.left + Self.right) / 2, y: 58, anchor: "middle"))
        }
        parts.append("</svg>")
        return parts.joined()
    }

    private func x(_ index: Int) -> Double {
        guard values.count > 1 else { return Self.right }
        return Self.left + Double(index) * (Self.right - Self.left) / Double(values.count - 1)
    }

    /// 1, 2 or 5 times a power of ten, at or above `value` (1 for nothing at all).
    static func roundedUp(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where step * power >= value * (1 - 1e-12) { return step * power }
        return 10 * power
    }

    private static func line(y: Double, class name: String) -> String {
        #"<line class="\#(name)" x1="\#(number(left))" y1="\#(number(y))" x2="\#(number(right))" y2="\#(number(y))"/>"#
    }

    private static func text(_ content: String, x: Double, y: Double, anchor: String) -> String {
        #"<text class="axis" x="\#(number(x))" y="\#(number(y))" text-anchor="\#(anchor)">\#(escaped(content))</text>"#
    }

    private static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
