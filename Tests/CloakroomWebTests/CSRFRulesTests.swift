import CloakroomWeb
import Testing

@Suite("CSRF rules, without a framework")
struct CSRFRulesTests {
    let rules = CSRFRules()

    @Test("only GET, HEAD, OPTIONS and TRACE pass unchecked", arguments: ["GET", "HEAD", "OPTIONS", "TRACE"])
    func safeMethods(_ method: String) {
        #expect(CSRFRules.isSafe(method: method))
    }

    @Test("every other method is checked", arguments: ["POST", "PUT", "PATCH", "DELETE", "get", "CONNECT"])
    func unsafeMethods(_ method: String) {
        #expect(!CSRFRules.isSafe(method: method))
    }

    @Test("Sec-Fetch-Site decides when sent, whatever Origin says")
    func fetchSiteDecides() {
        let host = "shop.example"
        #expect(rules.checkSite(secFetchSite: "same-origin", origin: "https://evil.example", host: host) == .passed)
        #expect(rules.checkSite(secFetchSite: "none", origin: nil, host: host) == .passed)
        #expect(
            rules.checkSite(secFetchSite: "same-site", origin: "https://shop.example", host: host)
                == .refused(.crossSite)
        )
        #expect(rules.checkSite(secFetchSite: "cross-site", origin: nil, host: host) == .refused(.crossSite))
    }

    @Test("without Sec-Fetch-Site, Origin must be the request's own over https")
    func originDecides() {
        let host = "shop.example:8443"
        #expect(rules.checkSite(secFetchSite: nil, origin: "https://shop.example:8443", host: host) == .passed)
        #expect(
            rules.checkSite(secFetchSite: nil, origin: "http://shop.example:8443", host: host)
                == .refused(.foreignOrigin)
        )
        #expect(
            rules.checkSite(secFetchSite: nil, origin: "https://shop.example", host: host) == .refused(.foreignOrigin)
        )
        #expect(rules.checkSite(secFetchSite: nil, origin: "null", host: host) == .refused(.foreignOrigin))
        #expect(
            rules.checkSite(secFetchSite: nil, origin: "https://shop.example:8443", host: nil)
                == .refused(.foreignOrigin)
        )
        #expect(rules.checkSite(secFetchSite: nil, origin: nil, host: host) == .unknown)
    }

    @Test("plain http passes only when asked for by name")
    func insecureTransport() {
        let local = CSRFRules(allowsInsecureTransport: true)
        #expect(local.checkSite(secFetchSite: nil, origin: "http://localhost:8080", host: "localhost:8080") == .passed)
        #expect(
            local.checkSite(secFetchSite: nil, origin: "http://other:8080", host: "localhost:8080")
                == .refused(.foreignOrigin)
        )
    }

    @Test("a list of allowed origins replaces the request's own")
    func allowedOrigins() {
        let listed = CSRFRules(allowedOrigins: ["https://app.example"])
        #expect(listed.checkSite(secFetchSite: nil, origin: "https://app.example", host: "api.example") == .passed)
        #expect(
            listed.checkSite(secFetchSite: nil, origin: "https://api.example", host: "api.example")
                == .refused(.foreignOrigin)
        )
    }

    @Test("a session without a token is refused only when no header says where the request came from")
    func withoutToken() async {
        #expect(await CSRFRules.withoutToken(site: .unknown, hasSession: { true }) == .missingToken)
        #expect(await CSRFRules.withoutToken(site: .unknown, hasSession: { false }) == nil)
        #expect(
            await CSRFRules.withoutToken(
                site: .passed,
                hasSession: {
                    Issue.record("asked for the session"); return true
                }
            ) == nil
        )
    }

    @Test("the token must come back exactly")
    func tokens() {
        #expect(CSRFRules.checkToken(presented: "abc", expected: "abc") == nil)
        #expect(CSRFRules.checkToken(presented: nil, expected: "abc") == .missingToken)
        #expect(CSRFRules.checkToken(presented: "abd", expected: "abc") == .wrongToken)
        #expect(CSRFRules.checkToken(presented: "abcd", expected: "abc") == .wrongToken)
        #expect(CSRFRules.checkToken(presented: "", expected: "abc") == .wrongToken)
    }

    @Test("the token is found in a URL-encoded form and decoded")
    func formToken() {
        #expect(CSRFRules.token(inForm: "name=ada&_csrf=a%2Bb+c") == "a+b c")
        #expect(CSRFRules.token(inForm: "_csrf=first&_csrf=second") == "first")
        #expect(CSRFRules.token(inForm: "_csrf=") == "")
        #expect(CSRFRules.token(inForm: "name=ada") == nil)
        #expect(CSRFRules.token(inForm: "_csrf") == nil)
        #expect(CSRFRules.token(inForm: "x_csrf=1") == nil)
        #expect(CSRFRules.token(inForm: "_csrf=%zz") == nil)
    }

    @Test("every refusal tells the user what to do")
    func messages() {
        for refusal in CSRFRefusal.allCases {
            #expect(refusal.message.contains("submit"))
        }
    }
}
