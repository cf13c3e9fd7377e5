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

    @Test func theArrayAndUTF8OverloadsAnswerAsTheGenericComparison() {
        let pairs = [
            ("secret", "secret"), ("secret", "secreT"), ("secret", "secrets"), ("", ""), ("é", "é"), ("é", "e"),
        ]
        for (a, b) in pairs {
            // A slice of each view is no array and no string view: the generic comparison.
            let generic = ConstantTime.equal(a.utf8[...], b.utf8[...])
            #expect(generic == (a == b))
            #expect(ConstantTime.equal(Array(a.utf8), Array(b.utf8)) == generic, "\(a) \(b)")
            #expect(ConstantTime.equal(a.utf8, b.utf8) == generic, "\(a) \(b)")
        }
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
