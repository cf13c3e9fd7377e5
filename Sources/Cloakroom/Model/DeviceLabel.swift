/// Derives a short, human label such as "Firefox on Linux" from a `User-Agent` header.
public enum DeviceLabel {
    private static let browsers: [(token: String, name: String)] = [
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"),
        ("python-requests", "Python"), ("Python-urllib", "Python"), ("okhttp", "Android app"),
    ]
    private static let systems: [(token: String, name: String)] = [
        ("Windows", "Windows"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
        ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
    ]

    /// The label for `userAgent`, or `nil` when nothing is recognised.
    public static func label(for userAgent: String?) -> String? {
        guard let userAgent, !userAgent.isEmpty else { return nil }
        let browser = browsers.first { userAgent.contains($0.token) }?.name
        let system = systems.first { userAgent.contains($0.token) }?.name
        switch (browser, system) {
        case (let browser?, let system?): return "\(browser) on \(system)"
        case (let browser?, nil): return browser
        case (nil, let system?): return system
        case (nil, nil): return "Unknown device"
        }
    }
}
