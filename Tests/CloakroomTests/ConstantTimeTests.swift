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

@Suite("Constant-time comparison of non-contiguous bytes")
struct ConstantTimeNonContiguousTests {
    @Test func lazyAndSlicedCollectionsCompareByValue() {
        let bytes: [UInt8] = Array("secret".utf8)
        #expect(ConstantTime.equal(bytes.lazy.map { $0 }, "secret".utf8))
        #expect(!ConstantTime.equal(bytes.lazy.map { $0 ^ 1 }, "secret".utf8))
        #expect(ConstantTime.equal(bytes[1...], "ecret".utf8))
        #expect(ConstantTime.equal(Substring("xsecret").dropFirst().utf8, bytes))
    }
}
