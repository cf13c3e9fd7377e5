import CloakroomHummingbird
import Hummingbird
import Testing

@Suite("Reading one cookie from the Cookie headers")
struct CookieHeaderTests {
    private func fields(_ headers: String...) -> HTTPFields {
        var fields = HTTPFields()
        for header in headers { fields.append(HTTPFields.Element(name: .cookie, value: header)) }
        return fields
    }

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
        #expect(CookieHeader.value(named: "__Host-session", in: fields(header)).map(String.init) == expected)
    }

    @Test(
        "never mistakes another cookie for it",
        arguments: ["", "session=abc", "x__Host-session=abc", "__Host-session2=abc", "__Host-session", ";;;", "=abc"]
    )
    func ignoresOtherCookies(_ header: String) {
        #expect(CookieHeader.value(named: "__Host-session", in: fields(header)) == nil)
    }

    @Test("looks through every Cookie header a request carries")
    func readsEveryHeader() {
        #expect(CookieHeader.value(named: "sid", in: fields("a=1", "b=2; sid=xyz")) == "xyz")
        #expect(CookieHeader.value(named: "sid", in: HTTPFields()) == nil)
    }
}
