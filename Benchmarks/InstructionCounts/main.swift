import BenchContract
import Cloakroom
import CloakroomServer
import CloakroomTokens
import Dispatch
import Foundation
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting

// Runs one scenario COUNT times in process, after a warm-up, for valgrind's callgrind to count
// the instructions: scripts/bench-instructions runs each scenario at two counts and divides the
// difference, so start-up and warm-up cancel out.
//
//   InstructionCounts SCENARIO COUNT
//
// The HTTP scenarios drive the load contract (BenchContract) through Hummingbird's in-process
// test client (routing, middleware, handler and response, no sockets) or, with TRANSPORT=live,
// over loopback to a server in this process. CLOAKROOM_STORE picks Cloakroom's store (memory,
// sqlite:PATH), as for BenchApp. The `daemon-` scenarios drive cloakroomd's own router (its
// middleware and API key check included) on a memory store: a resume or an update of one of 64
// sessions per request, against `daemon-json`, a bare route answering the bytes of a resume, as
// scripts/bench measures cloakroomd against its ceiling.
//
// The main thread only waits: an `async` main would park it in `dispatch_main`, whose
// `sigsuspend` valgrind 3.19 cannot follow (it crashes), so the work runs in a detached task
// that ends the process itself.

/// What one run repeats.
enum Scenario: String, CaseIterable {
    case hello
    case me
    case incr
    case authHello = "auth-hello"
    case authMe = "auth-me"
    case authIncr = "auth-incr"
    case resume
    case update
    case daemonJSON = "daemon-json"
    case daemonResume = "daemon-resume"
    case daemonUpdate = "daemon-update"

    /// Requests or calls made before the counted ones, in every run alike.
    static let warmUp = 200

    func run(count: Int) async throws {
        let total = Self.warmUp + count
        switch self {
        case .hello: try await Self.cloakroom(.get, "/hello", total)
        case .me: try await Self.cloakroom(.get, "/me", total)
        case .incr: try await Self.cloakroom(.post, "/incr", total)
        case .authHello: try await Self.hummingbirdAuth(.get, "/hello", total)
        case .authMe: try await Self.hummingbirdAuth(.get, "/me", total)
        case .authIncr: try await Self.hummingbirdAuth(.post, "/incr", total)
        case .resume:
            let manager = try Self.manager()
            let issued = try await manager.create(userID: "u1", data: ["user_id": "u1", "n": 0])
            for _ in 0..<total {
                guard try await manager.resume(issued.id) != nil else { throw Failure("the session was not found") }
            }
        case .update:
            let manager = try Self.manager()
            let issued = try await manager.create(userID: "u1", data: ["user_id": "u1", "n": 0])
            for n in 0..<total {
                _ = try await manager.update(issued.id, changes: SessionChanges(set: ["n": .number(Double(n))]))
            }
        case .daemonJSON, .daemonResume, .daemonUpdate:
            try await Daemon.run(self, total)
        }
    }

    static func manager() throws -> SessionManager {
        let setting = ProcessInfo.processInfo.environment["CLOAKROOM_STORE"] ?? "memory"
        return try SessionManager(store: try StoreLocation(parsing: setting, setting: "CLOAKROOM_STORE").open())
    }

    /// Hummingbird's in-process client by default; with `TRANSPORT=live`, a server on a loopback
    /// port and an HTTP client in this process, every request on one kept-alive connection.
    static var testing: TestingSetup {
        ProcessInfo.processInfo.environment["TRANSPORT"] == "live" ? .live : .router
    }

    static func cloakroom(_ method: HTTPRequest.Method, _ uri: String, _ total: Int) async throws {
        let router = try cloakroomRouter(manager: try manager(), json: ByteBuffer(string: #"{"ok":true}"#))
        try await drive(router, method, uri, total)
    }

    static func hummingbirdAuth(_ method: HTTPRequest.Method, _ uri: String, _ total: Int) async throws {
        try await drive(hummingbirdAuthRouter(storage: MemoryPersistDriver()), method, uri, total)
    }

    /// Serves `router` as ``testing`` says, signs in as a browser would, then sends `total`
    /// requests with the session's cookie.
    static func drive<Context: RequestContext>(
        _ router: Router<Context>,
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ total: Int
    ) async throws where Context.Source == ApplicationRequestContextSource {
        try await Application(router: router).test(testing) { client in
            try await signInAndRepeat(client, method, uri, total)
        }
    }

    /// Signs in, then sends `total` requests with the session's cookie.
    static func signInAndRepeat(
        _ client: some TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ total: Int
    ) async throws {
        let login = try await client.execute(uri: "/login?user=u1", method: .post)
        guard let setCookie = login.headers[.setCookie], let pair = setCookie.split(separator: ";").first else {
            throw Failure("POST /login answered \(login.status) without a cookie")
        }
        let headers: HTTPFields = [.cookie: String(pair)]
        for _ in 0..<total {
            let response = try await client.execute(uri: uri, method: method, headers: headers)
            guard response.status == .ok else { throw Failure("\(method) \(uri) answered \(response.status)") }
        }
    }
}

/// cloakroomd's router in process, with an API key, for the `daemon-` scenarios.
enum Daemon {
    static let sessions = 64

    static func run(_ scenario: Scenario, _ total: Int) async throws {
        let key = APIKey.generate(name: "bench", scopes: [.sessions])
        let manager = try Scenario.manager()
        let router = try CloakroomApplication.buildRouter(
            manager: manager,
            tokens: await TokenService(manager: manager, keys: SigningKeySet(keys: [SigningKey.generate()])),
            limiter: try RateLimiter(store: MemoryLimitStore(), buckets: [:]),
            apiKeys: APIKeyRing(keys: [key.key]),
            maximumBodySize: ServerConfiguration().maximumBodySize
        )
        let headers: HTTPFields = [.authorization: "Bearer \(key.secret)", .contentType: "application/json"]
        let answer = try await Application(router: router).test(Scenario.testing) { client in
            var ids: [String] = []
            for index in 0..<sessions {
                let body = ByteBuffer(string: #"{"user_id":"bench\#(index)","data":{"n":0}}"#)
                let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: headers, body: body)
                guard created.status == .created || created.status == .ok,
                    let object = try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView))
                        as? [String: Any],
                    let id = object["id"] as? String
                else { throw Failure("POST /v1/sessions answered \(created.status)") }
                ids.append(id)
            }
            var answer = ByteBuffer()
            for index in 0..<(scenario == .daemonJSON ? 1 : total) {
                let id = ids[index % sessions]
                let (uri, body) =
                    scenario == .daemonUpdate
                    ? ("/v1/sessions/update", #"{"id":"\#(id)","set":{"n":\#(index)}}"#)
                    : ("/v1/sessions/resume", #"{"id":"\#(id)"}"#)
                let response = try await client.execute(
                    uri: uri,
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(string: body)
                )
                guard response.status == .ok else { throw Failure("POST \(uri) answered \(response.status)") }
                answer = response.body
            }
            return answer
        }
        guard scenario == .daemonJSON else { return }
        // The ceiling: a bare route answering a resume's bytes.
        let ceiling = try cloakroomRouter(manager: try Scenario.manager(), json: answer)
        try await Application(router: ceiling).test(Scenario.testing) { client in
            for _ in 0..<total {
                let response = try await client.execute(uri: "/json", method: .get)
                guard response.status == .ok else { throw Failure("GET /json answered \(response.status)") }
            }
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let scenario = Scenario(rawValue: arguments[1]), let count = Int(arguments[2]), count >= 0
else {
    let names = Scenario.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("usage: InstructionCounts SCENARIO COUNT (scenarios: \(names))\n".utf8))
    exit(2)
}
Task.detached { [scenario, count] in
    do {
        try await scenario.run(count: count)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("InstructionCounts \(scenario.rawValue): \(error)\n".utf8))
        exit(1)
    }
}
DispatchSemaphore(value: 0).wait()
