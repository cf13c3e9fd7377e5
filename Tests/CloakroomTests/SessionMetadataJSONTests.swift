import Foundation
import Testing

@testable import Cloakroom

/// SQLite and PostgreSQL rows hold metadata as the JSON `Codable` writes: the fast writer and
/// reader must agree with `JSONEncoder` and `JSONDecoder` both ways, so rows written before the
/// fast path stay readable and rows written after it stay readable by older builds.
@Suite("Session metadata JSON")
struct SessionMetadataJSONTests {
    static let examples: [SessionMetadata] = [
        SessionMetadata(
            createdAt: Date(timeIntervalSince1970: 1_764_339_200),
            lastSeenAt: Date(timeIntervalSince1970: 1_764_339_200.25)
        ),
        SessionMetadata(
            createdAt: Date(timeIntervalSince1970: 1_764_339_200.123456),
            lastSeenAt: Date(timeIntervalSince1970: 1_764_342_800.987654),
            authenticatedAt: Date(timeIntervalSince1970: 1_764_340_000.5),
            ip: "192.0.2.7",
            userAgent: "Mozilla/5.0 \"quoted\" \\ back\u{1}slash ünïcödé 🎉",
            device: ""
        ),
        SessionMetadata(
            createdAt: Date(timeIntervalSinceReferenceDate: -1.5),
            lastSeenAt: Date(timeIntervalSinceReferenceDate: 0),
            tokens: SessionTokenState(
                refreshChains: [
                    RefreshChain(current: Data([1, 2, 3]), createdAt: Date(timeIntervalSince1970: 1_764_339_201))
                ],
                revokedTokenIDs: ["jti-1": Date(timeIntervalSince1970: 1_764_339_999)],
                revokedIssuedThrough: Date(timeIntervalSince1970: 1_764_339_000)
            )
        ),
    ]

    @Test(arguments: examples)
    func whatTheFastWriterWritesJSONDecoderReadsBack(_ metadata: SessionMetadata) throws {
        let bytes = try metadata.jsonBytes()
        #expect(try JSONDecoder().decode(SessionMetadata.self, from: Data(bytes)) == metadata)
        #expect(SessionMetadata(jsonBytes: bytes) == metadata)
    }

    /// Token state goes through `JSONEncoder`, which keeps its own member order.
    @Test(arguments: examples.filter { $0.tokens == nil })
    func theFastWriterWritesKeysSortedAsTheGeneralWriterDoes(_ metadata: SessionMetadata) throws {
        let bytes = try metadata.jsonBytes()
        let parsed = try bytes.withUnsafeBufferPointer { bytes throws(JSONParser.Failure) in try JSONParser.parse(bytes)
        }
        #expect(try JSONWriter.write(parsed) == bytes)
    }

    @Test func theFirstOfDuplicateKeysCountsAndUnknownKeysAreIgnored() throws {
        let metadata = SessionMetadata(jsonBytes: Array(#"{"c":1,"l":2,"c":"x","i":"a","i":null,"z":[1]}"#.utf8))
        #expect(
            metadata
                == SessionMetadata(
                    createdAt: Date(timeIntervalSinceReferenceDate: 1),
                    lastSeenAt: Date(timeIntervalSinceReferenceDate: 2),
                    ip: "a"
                )
        )
        #expect(
            try JSONDecoder().decode(SessionMetadata.self, from: Data(#"{"c":1,"l":2,"i":"a","z":[1]}"#.utf8))
                == metadata
        )
    }

    @Test(arguments: examples)
    func whatJSONEncoderWroteTheFastReaderReads(_ metadata: SessionMetadata) throws {
        let bytes = try JSONEncoder().encode(metadata)
        #expect(SessionMetadata(jsonBytes: bytes) == metadata)
    }

    @Test(arguments: [
        "", "null", "[]", "{}", #"{"c":1}"#, #"{"c":"x","l":1}"#, #"{"c":1,"l":2,"i":5}"#, "\u{0}\u{ff}\u{13}",
        #"{"c":1,"l":2,"k":7}"#,
    ])
    func malformedMetadataIsRefused(_ text: String) {
        #expect(SessionMetadata(jsonBytes: Array(text.utf8)) == nil)
    }

    @Test func explicitNullsReadAsAbsent() {
        let metadata = SessionMetadata(jsonBytes: Array(#"{"c":1,"l":2,"a":null,"i":null}"#.utf8))
        #expect(
            metadata
                == SessionMetadata(
                    createdAt: Date(timeIntervalSinceReferenceDate: 1),
                    lastSeenAt: Date(timeIntervalSinceReferenceDate: 2)
                )
        )
    }

    @Test func aTimeThatIsNotFiniteIsAClearError() {
        let metadata = SessionMetadata(createdAt: Date(timeIntervalSinceReferenceDate: .infinity), lastSeenAt: Date())
        let error = #expect(throws: CloakroomError.self) { try metadata.jsonBytes() }
        #expect(error?.code == .invalidData)
    }
}
