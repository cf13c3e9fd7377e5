// Calls a running cloakroomd through the client swift-openapi-generator made from its OpenAPI
// description: create, resume, update (with compare-and-set), list, end, and the documented
// errors. Exits 1 on the first answer that is not the described one.
//   CLOAKROOM_URL=http://127.0.0.1:8080 CLOAKROOM_API_KEY=… swift run
import Foundation
import OpenAPIRuntime
import OpenAPIURLSession

let environment = ProcessInfo.processInfo.environment
guard let address = environment["CLOAKROOM_URL"], let serverURL = URL(string: address),
    let key = environment["CLOAKROOM_API_KEY"], !key.isEmpty
else {
    FileHandle.standardError.write(
        Data(
            """
            Set CLOAKROOM_URL to a running cloakroomd (http://127.0.0.1:8080) and CLOAKROOM_API_KEY \
            to an API key with the sessions scope (cloakroomd prints the admin key at first start).\n
            """.utf8
        )
    )
    exit(2)
}

// The API writes times as RFC 3339 with milliseconds.
let configuration = Configuration(dateTranscoder: .iso8601WithFractionalSeconds)
let client = Client(
    serverURL: serverURL,
    configuration: configuration,
    transport: URLSessionTransport(),
    middlewares: [BearerAuthentication(key: key)]
)
var checks = 0

/// Stops with a message naming the step when an answer is not the expected one.
@MainActor func expect(_ condition: Bool, _ step: String) {
    guard condition else {
        FileHandle.standardError.write(Data("openapi-client: FAILED: \(step)\n".utf8))
        exit(1)
    }
    checks += 1
    print("ok: \(step)")
}

/// A number in session data, however JSON decoding typed it.
func number(_ data: Components.Schemas.SessionData, _ key: String) -> Double? {
    switch data.additionalProperties.value[key] ?? nil {
    case let value as Int: Double(value)
    case let value as Double: value
    default: nil
    }
}

let user = "openapi-client-\(UUID().uuidString.prefix(8))"

let created = try await client.createSession(
    body: .json(
        .init(
            userId: user,
            data: .init(additionalProperties: try OpenAPIObjectContainer(unvalidatedValue: ["cart": 1])),
            userAgent: "openapi-client example"
        )
    )
)
let issued = try created.created.body.json
let id = issued.id
expect(issued.session.value1.userId == user, "createSession: 201, the session belongs to the user")
expect(number(issued.session.value2.data, "cart") == 1, "createSession: the data was stored")

let resumed = try await client.resumeSession(body: .json(.init(id: id)))
let session = try resumed.ok.body.json.session
expect(session.value1.handle == issued.session.value1.handle, "resumeSession: 200, the same session")
expect(number(session.value2.data, "cart") == 1, "resumeSession: the data came back")

let updated = try await client.updateSession(
    body: .json(
        .init(
            id: id,
            set: .init(additionalProperties: try OpenAPIObjectContainer(unvalidatedValue: ["theme": "dark"])),
            increment: .init(additionalProperties: ["cart": 2]),
            ifVersion: Int64(session.value1.version)
        )
    )
)
let changed = try updated.ok.body.json.session
expect(number(changed.value2.data, "cart") == 3, "updateSession: the increment applied (1 + 2)")
expect(
    changed.value2.data.additionalProperties.value["theme"] as? String == "dark",
    "updateSession: the key was set"
)
expect(changed.value1.version > session.value1.version, "updateSession: the version grew")

let stale = try await client.updateSession(
    body: .json(
        .init(
            id: id,
            increment: .init(additionalProperties: ["cart": 1]),
            ifVersion: Int64(session.value1.version)
        )
    )
)
expect(
    try stale.conflict.body.json.value1.error.code == .versionConflict,
    "updateSession: a stale if_version answers 409 version_conflict"
)

let listed = try await client.listUserSessions(path: .init(userId: user))
let page = try listed.ok.body.json
expect(
    page.sessions.map(\.handle) == [issued.session.value1.handle] && page.nextCursor == nil,
    "listUserSessions: 200, the user's one session on one page"
)

let ended = try await client.endSession(body: .json(.init(id: id)))
expect((try? ended.noContent) != nil, "endSession: 204")

let gone = try await client.resumeSession(body: .json(.init(id: id)))
expect(
    try gone.notFound.body.json.value1.error.code == .sessionNotFound,
    "resumeSession after endSession: 404 session_not_found"
)

let anonymous = Client(serverURL: serverURL, configuration: configuration, transport: URLSessionTransport())
let refused = try await anonymous.listUserSessions(path: .init(userId: user))
expect(
    try refused.unauthorized.body.json.value1.error.code == .unauthorized,
    "a call without the API key: 401 unauthorized"
)

print("openapi-client: \(checks) checks passed against \(serverURL.absoluteString)")
