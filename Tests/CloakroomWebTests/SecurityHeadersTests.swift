import CloakroomWeb
import Testing

@Suite("Security header values")
struct SecurityHeadersTests {
    @Test("every header is on by default, strict, in a fixed order")
    func defaults() {
        let fields = SecurityHeaders().fields
        #expect(
            fields.map(\.name) == [
                "Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                "Referrer-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
            ]
        )
        #expect(fields.first { $0.name == "X-Frame-Options" }?.value == "DENY")
        #expect(fields.first { $0.name == "Content-Security-Policy" }?.value.contains("frame-ancestors 'none'") == true)
    }

    @Test("a header set to nil is left out")
    func leftOut() {
        let fields = SecurityHeaders(strictTransportSecurity: nil, crossOriginResourcePolicy: nil).fields
        #expect(fields.count == 5)
        #expect(
            !fields.contains { $0.name == "Strict-Transport-Security" || $0.name == "Cross-Origin-Resource-Policy" }
        )
    }
}
