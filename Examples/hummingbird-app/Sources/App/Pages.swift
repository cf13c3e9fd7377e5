import Foundation
import Hummingbird

/// An HTML response.
struct HTML: ResponseGenerator {
    var body: String
    var status: HTTPResponse.Status = .ok
    var location: String?

    init(_ body: String, status: HTTPResponse.Status = .ok) {
        self.body = body
        self.status = status
    }

    static func redirect(to location: String) -> HTML {
        var html = HTML("", status: .seeOther)
        html.location = location
        return html
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The pages, as plain strings (use swift-mustache or Elementary in a real app).
enum Pages {
    static func home(user: String?, csrfField: String, error: String? = nil) -> String {
        if let user {
            return page("<p>Signed in as \(escape(user)). <a href=\"/private\">Your private page</a></p>")
        }
        return page(
            """
            \(error.map { "<p><strong>\(escape($0))</strong></p>" } ?? "")
            <form method="post" action="/login">\(csrfField)
            <label>Name <input name="user" autocomplete="username"></label>
            <label>Password <input name="password" type="password" autocomplete="current-password"></label>
            <button>Sign in</button> <small>(any name; the password is “correct horse”)</small>
            </form>
            """
        )
    }

    static func `private`(user: String, visits: Int, csrfField: String) -> String {
        page(
            """
            <p>Hello \(escape(user)): this page is only for you. You have seen it \(visits) time(s) in this session.</p>
            <form method="post" action="/logout">\(csrfField)<button>Sign out</button></form>
            """
        )
    }

    static func page(_ content: String) -> String {
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Example</title><body>\(content)</body></html>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
