import CloakroomHummingbird
import Hummingbird
import Testing

/// The cookie grammar is tested in `CloakroomWebTests`; this checks the Hummingbird adapter reads
/// a request's `Cookie` fields.
@Suite("Reading one cookie from a request's Cookie fields")
struct CookieHeaderTests {
    private func fields(_ headers: String...) -> HTTPFields {
        var fields = HTTPFields()
        for header in headers { fields.append(HTTPFields.Element(name: .cookie, value: header)) }
        fields.append(HTTPFields.Element(name: .contentType, value: "sid=not-a-cookie"))
        return fields
    }

    @Test("looks through every Cookie field a request carries, and only those")
    func readsEveryCookieField() {
        #expect(CookieHeader.value(named: "sid", in: fields("a=1", "b=2; sid=xyz", "sid=later")) == "xyz")
        #expect(CookieHeader.value(named: "sid", in: fields("a=1")) == nil)
        #expect(CookieHeader.value(named: "sid", in: HTTPFields()) == nil)
    }
}
