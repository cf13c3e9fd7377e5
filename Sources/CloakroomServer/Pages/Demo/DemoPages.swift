import Cloakroom
import CloakroomHummingbird
import Foundation
import Hummingbird

/// The demo sign-in and "Your sessions": any name with the demo password signs in as the user
/// `demo:NAME`; the account page lists that user's sessions and ends them.
struct DemoPages: Sendable {
    let manager: SessionManager
    let renderer: PageRenderer
    let throttle: LoginThrottle
    let password: String
    /// Shown on the sign-in page only while it is the well-known default.
    let passwordHint: String?

    static let userPrefix = "demo:"

    struct SignInForm: Decodable {
        var user: String
        var password: String
    }

    struct HandleForm: Decodable {
        var handle: String
    }

    func register(_ router: some RouterMethods<APIRequestContext>) {
        router.get("signin", use: signInPage)
        router.post("signin", use: signIn)
        router.get("account", use: account)
        router.post("account/end", use: endOne)
        router.post("account/end-others", use: endOthers)
    }

    @Sendable func signInPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        if try await demoUser(context) != nil { return PageRenderer.redirect("/account") }
        return try await signInForm(context, user: "", error: nil, status: .ok)
    }

    private func signInForm(
        _ context: APIRequestContext,
        user: String,
        error: String?,
        status: HTTPResponse.Status,
        headers: HTTPFields = [:]
    ) async throws -> Response {
        var values: [String: Any] = [
            "title": "Sign in", "user": user,
            "csrfField": try await context.session.csrfField(creatingSession: false),
        ]
        if let passwordHint { values["passwordHint"] = passwordHint }
        if let error { values["error"] = error }
        return renderer.page("signin", values, status: status, headers: headers)
    }

    @Sendable func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await PageForm.decode(SignInForm.self, from: request)
        let name = form.user.trimmingCharacters(in: .whitespaces)
        guard Self.isValidName(name) else {
            return try await signInForm(
                context,
                user: String(name.prefix(64)),
                error: "Choose a name of 1 to 64 letters, digits, dots, dashes, underscores or @.",
                status: .badRequest
            )
        }
        if let retry = try await throttle.admit(account: Self.userPrefix + name) {
            return try await signInForm(
                context,
                user: name,
                error: "Too many sign-in attempts for this account. Try again in \(retry) seconds.",
                status: .tooManyRequests,
                headers: [.retryAfter: String(retry)]
            )
        }
        guard ConstantTime.equal(form.password.utf8, password.utf8) else {
            return try await signInForm(
                context,
                user: name,
                error: "That password is not right.",
                status: .unauthorized
            )
        }
        try await throttle.succeeded(account: Self.userPrefix + name)
        try await context.session.login(user: Self.userPrefix + name)
        return PageRenderer.redirect("/account")
    }

    @Sendable func account(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let session = try await context.session.current(), let user = session.userID,
            user.hasPrefix(Self.userPrefix)
        else { return PageRenderer.redirect("/signin") }
        let now = manager.clock.now
        let csrfField = try await context.session.csrfField()
        let sessions = try await manager.sessions(ofUser: user).map { summary -> [String: Any] in
            [
                "handle": summary.handle,
                "current": summary.key == session.key,
                "device": summary.metadata.device ?? "Unknown device",
                "ip": summary.metadata.ip ?? "unknown",
                "lastSeen": PageRenderer.relative(summary.metadata.lastSeenAt, now: now),
                "lastSeenAt": PageRenderer.timestamp(summary.metadata.lastSeenAt),
                "createdAt": PageRenderer.timestamp(summary.metadata.createdAt),
            ]
        }
        var values: [String: Any] = [
            "title": "Your sessions",
            "user": String(user.dropFirst(Self.userPrefix.count)),
            "sessions": sessions,
            "hasOthers": sessions.count > 1,
            "csrfField": csrfField,
        ]
        if let ended = request.uri.queryParameters["ended"].flatMap({ Int($0) }) {
            values["info"] = ended == 1 ? "1 session ended." : "\(ended) sessions ended."
        }
        return renderer.page("account", values)
    }

    @Sendable func endOne(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let user = try await demoUser(context) else { return PageRenderer.redirect("/signin") }
        let form = try await PageForm.decode(HandleForm.self, from: request)
        let ended = try await manager.end(handle: form.handle, ofUser: user)
        return PageRenderer.redirect("/account?ended=\(ended ? 1 : 0)")
    }

    @Sendable func endOthers(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard try await demoUser(context) != nil else { return PageRenderer.redirect("/signin") }
        let ended = try await context.session.endOthers()
        return PageRenderer.redirect("/account?ended=\(ended)")
    }

    private func demoUser(_ context: APIRequestContext) async throws -> String? {
        guard let user = try await context.session.userID(), user.hasPrefix(Self.userPrefix) else { return nil }
        return user
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (CharacterSet.alphanumerics.contains(scalar) || "._-@".unicodeScalars.contains(scalar))
            }
    }
}
