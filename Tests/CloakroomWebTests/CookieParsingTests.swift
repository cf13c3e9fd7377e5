import CloakroomWeb
import Foundation
import Testing

@Suite("Session cookies, without a framework")
struct CookieParsingTests {
    @Test(
        "finds the named cookie wherever it stands",
        arguments: [
            ("__Host-session=abc", "abc"),
            ("theme=dark; __Host-session=abc; lang=en", "abc"),
            ("theme=dark;__Host-session=abc", "abc"),
            ("theme=dark;  \t__Host-session=abc  ", "abc"),
            ("__Host-session=\"abc\"", "abc"),
            ("__Host-session=", ""),
            ("__Host-session=a=b", "a=b"),
            ("__Host-session=first; __Host-session=second", "first"),
        ]
    )
    func findsTheCookie(_ header: String, _ expected: String) {
        #expect(CookieHeader.value(named: "__Host-session", inHeader: header).map(String.init) == expected)
    }

    @Test(
        "never mistakes another cookie for it",
        arguments: [
            "", "session=abc", "x__Host-session=abc", "__Host-session2=abc", "__Host-session", ";;;", "=abc",
            "__Host-sessiom=abc", "__host-session=abc", "theme=dark; __Host-Session=abc",
        ]
    )
    func ignoresOtherCookies(_ header: String) {
        #expect(CookieHeader.value(named: "__Host-session", inHeader: header) == nil)
    }

    @Test("looks through every Cookie header, first match wins")
    func readsEveryHeader() {
        #expect(CookieHeader.value(named: "sid", inHeaders: ["a=1", "b=2; sid=xyz", "sid=later"]) == "xyz")
        #expect(CookieHeader.value(named: "sid", inHeaders: [String]()) == nil)
    }

    @Test("the default cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/")
    func defaults() throws {
        let options = SessionCookieOptions()
        try options.validate()
        let expires = Date(timeIntervalSince1970: 784_111_777)
        #expect(
            options.setCookie(value: "v", expires: expires)
                == "__Host-session=v; Path=/; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Secure; HttpOnly; SameSite=Lax"
        )
        #expect(
            options.clearingCookie
                == "__Host-session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; HttpOnly; SameSite=Lax"
        )
    }

    @Test("weakening is asked for by name, and bad combinations are refused with their code")
    func weakening() {
        #expect(SessionCookieOptions(allowsInsecureTransport: true).name == "session")
        #expect(SessionCookieOptions(domain: "example.com").name == "__Secure-session")
        #expect(throws: OptionsError.self) {
            try SessionCookieOptions(sameSite: .none, allowsInsecureTransport: true).validate()
        }
        #expect(throws: OptionsError.self) { try SessionCookieOptions(baseName: "a b").validate() }
        #expect(throws: OptionsError.self) { try SessionCookieOptions(domain: "a;b").validate() }
        do {
            try SessionCookieOptions(baseName: String(repeating: "n", count: 5000)).validate()
            Issue.record("a name too long for browsers passed")
        } catch {
            #expect(error.code == .invalidCookieName)
        }
    }
}
