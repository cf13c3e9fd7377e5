import CloakroomHummingbird
import Hummingbird
import Testing

/// `value(of:)` stands in for `HTTPFields`' subscript on the hot paths: it must answer the same.
@Suite("Reading a header's value as the HTTPFields subscript does")
struct HTTPFieldsValueTests {
    static let cases: [[(String, String)]] = [
        [],
        [("User-Agent", "curl/8")],
        [("user-agent", "lower-case name")],
        [("Accept", "a"), ("Authorization", "Bearer k"), ("Accept", "b"), ("Accept", "c")],
        [("Cookie", "a=1"), ("cookie", "b=2")],
        [("Origin", "")],
        [("X-Other", "x"), ("Authorization", "Bearer one"), ("Authorization", "Bearer two")],
    ]

    @Test(arguments: cases.indices)
    func sameAsTheSubscript(_ index: Int) {
        var fields = HTTPFields()
        for (name, value) in Self.cases[index] {
            fields.append(HTTPFields.Element(name: HTTPFields.Element.Name(name)!, value: value))
        }
        for name in [HTTPFields.Element.Name.userAgent, .accept, .authorization, .cookie, .origin, .contentType] {
            #expect(fields.value(of: name) == fields[name], "\(name) in \(Self.cases[index])")
        }
    }
}
