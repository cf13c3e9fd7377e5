import Foundation
import Hummingbird
import Mustache
import NIOCore

/// Renders the pages' templates into responses.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    /// Whether the demo pages are on (the navigation shows "Your sessions").
    let demo: Bool

    init(demo: Bool) throws {
        library = try PageTemplates.library()
        self.demo = demo
    }

    /// The page `template` filled from `values`, never cached by the browser.
    func page(
        _ template: String,
        _ values: [String: Any],
        status: HTTPResponse.Status = .ok,
        headers extra: HTTPFields = [:]
    ) -> Response {
        var values = values
        values["demo"] = demo
        let html = library.render(values, withTemplate: template) ?? "template \(template) is missing"
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A short page with a title, a sentence and an optional link.
    func message(
        _ title: String,
        _ text: String,
        status: HTTPResponse.Status,
        link: (href: String, label: String)? = nil
    ) -> Response {
        var values: [String: Any] = ["title": title, "text": text]
        if let link {
            values["link"] = link.href
            values["linkLabel"] = link.label
        }
        return page("message", values, status: status)
    }

    /// `303 See Other` to `location`: the browser follows with a GET, so a reload does not
    /// post the form again.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// "just now", "5 minutes ago", "3 hours ago", "2 days ago".
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "just now"
        case ..<3600: return plural(seconds / 60, "minute") + " ago"
        case ..<86_400: return plural(seconds / 3600, "hour") + " ago"
        default: return plural(seconds / 86_400, "day") + " ago"
        }
    }

    private static func plural(_ count: Int, _ unit: String) -> String {
        count == 1 ? "1 \(unit)" : "\(count) \(unit)s"
    }

    /// `2026-11-28 14:03 UTC`.
    static func timestamp(_ date: Date) -> String {
        let text = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false))
        // "2026-11-28T14:03:09Z" → "2026-11-28 14:03 UTC"
        return text.prefix(10) + " " + text.dropFirst(11).prefix(5) + " UTC"
    }
}

/// A URL-encoded form body, read within a size limit.
enum PageForm {
    static func decode<Form: Decodable>(_ type: Form.Type, from request: Request) async throws -> Form {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        } catch {
            throw HTTPError(.badRequest, message: "the form is incomplete; reload the page and submit it again")
        }
    }
}
