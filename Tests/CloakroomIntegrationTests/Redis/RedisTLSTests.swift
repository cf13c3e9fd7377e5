import Cloakroom
import CloakroomRedis
import CloakroomTesting
import Foundation
import RESP
import TestSupport
import Testing

@Suite("Redis over TLS", .needsServer("CLOAKROOM_TEST_REDIS_TLS"))
struct RedisTLSTests {
    @Test(arguments: [
        StoreConformance.Check.insertAndLoad, .compareAndSet, .userIndexListsExactlyTheLive, .managerLifecycle,
    ])
    func conformanceOverTLS(_ check: StoreConformance.Check) async throws {
        guard let (url, ca) = try TestServers.redisTLS() else { return }
        try await StoreConformance.run(check) {
            RedisSessionStore(
                configuration: try RedisStoreConfiguration(
                    url: url + "?tls_ca=\(ca)&prefix=tls\(UInt64.random(in: 0...UInt64.max)):"
                )
            )
        }
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        guard let (url, _) = try TestServers.redisTLS() else { return }
        // Verified against the system's roots, the test CA's certificate is not trusted.
        let store = RedisSessionStore(configuration: try RedisStoreConfiguration(url: url + "?timeout=2s"))
        let health = await store.health()
        #expect(!health.isHealthy)
        #expect(health.detail?.contains("TLS failed") == true, "\(health.detail ?? "")")
        #expect(health.detail?.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(health.detail ?? "")")
        await store.close()
    }

    @Test func plainTCPToATLSPortFailsWithinTheTimeout() async throws {
        guard let (url, _) = try TestServers.redisTLS() else { return }
        let plain = "redis://" + url.dropFirst("rediss://".count) + "?timeout=500ms"
        let store = RedisSessionStore(configuration: try RedisStoreConfiguration(url: plain))
        let started = ContinuousClock.now
        #expect(await !store.health().isHealthy)
        // Bounded by the timeout, not by the server: generous, as the whole suite runs in parallel
        // on two cores and timers fire late (4.6 s was seen once under load).
        #expect(ContinuousClock.now - started < .seconds(10))
        await store.close()
    }

    @Test func aMissingCAFileIsAConfigurationError() {
        let error = #expect(throws: CloakroomError.self) {
            try RedisStoreConfiguration(url: "rediss://localhost:6380?tls_ca=/nonexistent/ca.pem")
        }
        #expect(error?.message.contains("tls_ca") == true)
        #expect(throws: CloakroomError.self) {
            try RedisStoreConfiguration(url: "redis://localhost?tls_ca=/etc/hostname")
        }
    }
}
