import APITestSupport
import Cloakroom
import CloakroomServer
import CloakroomTesting
import Foundation
import Hummingbird
import Testing

@Suite("Limits API")
struct LimitsAPITests {
    @Test func theSixthLoginInAMinuteIsRefusedWithAPreciseRetryAfter() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            for attempt in 1...5 {
                let reply = try await client.call(.post, "/v1/limits/check", json: ["bucket": "login", "key": "alice"])
                #expect(reply.status == .ok && reply.json["allowed"] as? Bool == true)
                #expect(reply.json["remaining"] as? Int == 5 - attempt)
            }
            harness.clock.advance(by: .milliseconds(1500))
            let sixth = try await client.call(.post, "/v1/limits/check", json: ["bucket": "login", "key": "alice"])
            #expect(sixth.status == .ok && sixth.json["allowed"] as? Bool == false)
            #expect(sixth.json["retry_after"] as? Double == 10.5)
            #expect(sixth.json["limit"] as? Int == 5)
            let other = try await client.call(.post, "/v1/limits/check", json: ["bucket": "login", "key": "bob"])
            #expect(other.json["allowed"] as? Bool == true)
            let reset = try await client.call(.post, "/v1/limits/reset", json: ["bucket": "login", "key": "alice"])
            #expect(reset.status == .noContent)
            let again = try await client.call(.post, "/v1/limits/check", json: ["bucket": "login", "key": "alice"])
            #expect(again.json["allowed"] as? Bool == true && again.json["remaining"] as? Int == 4)
        }
    }

    @Test(arguments: [
        (#"{"bucket": "nope", "key": "k"}"#, "invalid_data"),
        (#"{"bucket": "login", "key": ""}"#, "invalid_data"),
        (#"{"bucket": "login", "key": "k", "cost": 6}"#, "invalid_data"),
        (#"{"bucket": "login", "key": "k", "cost": -1}"#, "invalid_data"),
        (#"{"bucket": "login"}"#, "bad_request"),
        (#"{"bucket": "login", "key": "k", "cost": 1.5}"#, "bad_request"),
        ("[]", "bad_request"),
    ])
    func badChecksAreBadRequests(_ body: String, _ code: String) async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let reply = try await client.call(.post, "/v1/limits/check", raw: body)
            #expect(reply.status == .badRequest)
            #expect(reply.errorCode == code)
        }
    }

    @Test func aLongKeyIsRefusedAndAnUnknownBucketNamesTheKnownOnes() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let long = try await client.call(
                .post,
                "/v1/limits/check",
                json: ["bucket": "login", "key": String(repeating: "k", count: 513)]
            )
            #expect(long.status == .badRequest)
            let unknown = try await client.call(.post, "/v1/limits/check", json: ["bucket": "x", "key": "k"])
            let message = (unknown.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("api, login"))
            let reset = try await client.call(.post, "/v1/limits/reset", json: ["bucket": "x", "key": "k"])
            #expect(reset.status == .badRequest)
        }
    }

    @Test func limitsNeedAnAPIKey() async throws {
        let harness = try await APITestHarness()
        try await harness.run { client in
            let reply = try await client.call(
                .post,
                "/v1/limits/check",
                json: ["bucket": "login", "key": "k"],
                authorization: nil
            )
            #expect(reply.status == .unauthorized)
        }
    }
}
