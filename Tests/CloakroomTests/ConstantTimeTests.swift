import Cloakroom
import Testing

@Suite("Constant-time comparison")
struct ConstantTimeTests {
    @Test func equalOnlyForTheSameBytes() {
        #expect(ConstantTime.equal("secret".utf8, "secret".utf8))
        #expect(!ConstantTime.equal("secret".utf8, "secreT".utf8))
        #expect(!ConstantTime.equal("secret".utf8, "secrets".utf8))
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
    }
}
