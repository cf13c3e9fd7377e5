import Cloakroom
import Foundation
import RESP

/// How a session record is laid out in its Redis hash, both ways, with no I/O: so the layout
/// and its corruption rules are tested without a server (`RedisRecordLayoutTests`).
///
/// Fields: version `v`, user `u`, absolute deadline `a`, idle deadline `i`, last seen `l`,
/// created `c`, signed in `t` (times in µs since 1970, decimal), `ip`, user agent `ua`, device
/// `dv` (text behind a `=` marker, so an empty string stays distinct from none), payload `p`
/// and token state `k` (JSON, absent when no tokens were issued). The scripts in
/// ``RedisScripts`` read `v`, `u` and `a` by position: they come first.
enum RedisRecordLayout {
    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    /// The record as hash field-value pairs, `v`, `u` and `a` first (the compare-and-set script
    /// reads them by position), appended to a script's `arguments`. An empty value means "no
    /// such field"; optional text is stored behind a `=` so that an empty string stays distinct
    /// from none.
    static func appendFields(of session: StoredSession, to arguments: inout [RESPArgument]) throws {
        func optional(_ text: String?) -> RESPArgument { RESPArgument(text.map { "=" + $0 } ?? "") }
        let metadata = session.metadata
        let values = [
            RESPArgument(session.version),
            RESPArgument(session.userID ?? ""),
            RESPArgument(Self.microseconds(session.absoluteDeadline)),
            RESPArgument(Self.microseconds(session.idleDeadline)),
            RESPArgument(Self.microseconds(metadata.lastSeenAt)),
            RESPArgument(Self.microseconds(metadata.createdAt)),
            metadata.authenticatedAt.map { RESPArgument(Self.microseconds($0)) } ?? "",
            optional(metadata.ip),
            optional(metadata.userAgent),
            optional(metadata.device),
            RESPArgument(bytes: session.payload),
            RESPArgument(bytes: try Self.tokenStateJSON(metadata.tokens)),
        ]
        arguments.reserveCapacity(arguments.count + 2 * values.count)
        // Written in the order a load reads them back.
        for (name, value) in zip(loadFields, values) {
            arguments.append(name)
            arguments.append(value)
        }
    }

    /// The token state as JSON, or nothing (which removes the field) when there is none.
    static func tokenStateJSON(_ state: SessionTokenState?) throws -> [UInt8] {
        guard let state, !state.isEmpty else { return [] }
        do {
            return Array(try JSONEncoder().encode(state))
        } catch {
            throw CloakroomError(.invalidData, "session token state cannot be encoded (\(type(of: error)))")
        }
    }

    /// The fields a load reads, in the order `HMGET` returns them.
    static let loadFields: [RESPArgument] = ["v", "u", "a", "i", "l", "c", "t", "ip", "ua", "dv", "p", "k"]

    /// `HMGET` and ``loadFields`` as bytes, made once.
    private static let loadCommandParts: [[UInt8]] = [Array("HMGET".utf8)] + loadFields.map(\.bytes)

    /// The `HMGET` of ``loadFields`` from the record at `redisKey`, built with one allocation (the
    /// argument list) instead of one per field.
    static func loadCommand(_ redisKey: [UInt8]) -> RESPCommand {
        var arguments: [[UInt8]] = []
        arguments.reserveCapacity(loadCommandParts.count + 1)
        arguments.append(loadCommandParts[0])
        arguments.append(redisKey)
        arguments.append(contentsOf: loadCommandParts.dropFirst())
        return RESPCommand(arguments: arguments)
    }

    /// The record from an `HMGET` of ``loadFields``; `nil` when the key does not exist.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/corruptRecord`` naming the field that cannot be
    ///   read; ``Cloakroom/CloakroomError/Code/storeUnavailable`` when the reply is not one value
    ///   per field.
    static func record(key: SessionKey, from reply: RESPValue, store name: String) throws -> StoredSession? {
        guard let values = reply.elements, values.count == Self.loadFields.count else {
            throw CloakroomError(
                .storeUnavailable,
                "\(name) answered a load with something other than \(Self.loadFields.count) fields"
            )
        }
        if values.allSatisfy(\.isNull) { return nil }
        // Read from the reply's values where they are, without an array of them.
        func field(_ index: Int) -> [UInt8]? { values[index].bytes }
        func corrupt(_ what: String) -> CloakroomError {
            CloakroomError(
                .corruptRecord,
                "\(name) record \(key.handle) is unreadable (\(what)); end the session or delete the key"
            )
        }
        func number(_ index: Int) throws -> Int64 {
            guard let bytes = field(index), let value = Self.integer(bytes) else {
                throw corrupt(
                    "field '\(String(decoding: Self.loadFields[index].bytes, as: UTF8.self))' is not a number"
                )
            }
            return value
        }
        func optional(_ index: Int) throws -> String? {
            guard let bytes = field(index) else { return nil }
            guard bytes.first == UInt8(ascii: "=") else {
                throw corrupt(
                    "field '\(String(decoding: Self.loadFields[index].bytes, as: UTF8.self))' lacks its '=' marker"
                )
            }
            return String(decoding: bytes.dropFirst(), as: UTF8.self)
        }
        guard let payload = field(10) else { throw corrupt("no payload") }
        let version = UInt64(bitPattern: try number(0))
        let metadata = SessionMetadata(
            createdAt: Self.date(microseconds: try number(5)),
            lastSeenAt: Self.date(microseconds: try number(4)),
            authenticatedAt: field(6) == nil ? nil : Self.date(microseconds: try number(6)),
            ip: try optional(7),
            userAgent: try optional(8),
            device: try optional(9),
            tokens: try field(11).map { bytes in
                guard let state = try? JSONDecoder().decode(SessionTokenState.self, from: Data(bytes)) else {
                    throw corrupt("field 'k' is not token state JSON")
                }
                return state
            }
        )
        return StoredSession(
            key: key,
            userID: field(1).map { String(decoding: $0, as: UTF8.self) },
            payload: payload,
            metadata: metadata,
            idleDeadline: Self.date(microseconds: try number(3)),
            absoluteDeadline: Self.date(microseconds: try number(2)),
            version: version
        )
    }

    /// A decimal integer, parsed without making a `String`.
    static func integer(_ bytes: [UInt8]) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }  // 18 digits cannot overflow
        var value: Int64 = 0
        for byte in bytes {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }
}
