#if Vapor
    import Foundation
    import Vapor

    /// The pages, as plain strings (use Leaf or Elementary in a real app).
    enum Pages {
        struct SessionRow {
            var device: String?
            var lastSeen: Date
            var current: Bool
        }

        static func html(_ body: String, status: HTTPResponseStatus = .ok) -> Response {
            Response(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: body))
        }

        static func home(user: String?, error: String? = nil) -> String {
            if let user {
                return page("<p>Signed in as \(escape(user)). <a href=\"/private\">Your private page</a></p>")
            }
            return page(
                """
                \(error.map { "<p><strong>\(escape($0))</strong></p>" } ?? "")
                <form method="post" action="/login">
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
                <p><a href="/sessions">Your sessions</a></p>
                <form method="post" action="/logout">\(csrfField)<button>Sign out</button></form>
                """
            )
        }

        static func sessions(_ rows: [SessionRow], csrfField: String) -> String {
            let items = rows.map { row in
                "<li>\(escape(row.device ?? "unknown device")), last seen \(row.lastSeen.formatted(.iso8601))"
                    + (row.current ? " (this one)" : "") + "</li>"
            }
            return page(
                """
                <p>You are signed in \(rows.count) time(s):</p>
                <ul>\(items.joined())</ul>
                <form method="post" action="/sessions/end-others">\(csrfField)<button>Sign out everywhere else</button></form>
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
#endif
