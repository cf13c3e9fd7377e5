import Foundation

/// A `Codable` type kept in session data together with the version of its shape, so that a later
/// build of the app that renamed, retyped or dropped a field still reads the records an earlier
/// build wrote, instead of failing every request of every signed-in user.
///
/// Conform the type and every typed access picks the versioning up: ``SessionData/set(_:forKey:)``
/// stores `{"cloakroom:schema": version, "value": …}`, and ``SessionData/decode(_:forKey:)`` (and
/// through it the framework handles' `get`, `set` and `modify`, and
/// ``SessionChanges/Modification/typed(_:_:)``) hands a value of any other version to
/// ``migrate(_:from:)``:
///
/// ```swift
/// struct Preferences: VersionedSessionValue {
///     static let sessionSchemaVersion = 2
///     var displayName: String          // version 1 called it `name`
///     var pageSize: Int                // version 1 kept it as a string
///
///     static func migrate(_ stored: JSONValue, from version: Int) throws -> Preferences? {
///         guard version < 2, case .object(let old) = stored,
///               case .string(let name)? = old["name"] else { return nil }
///         let size = old["pageSize"].flatMap { if case .string(let s) = $0 { Int(s) } else { nil } }
///         return Preferences(displayName: name, pageSize: size ?? 20)
///     }
/// }
/// ```
///
/// A migrated value is handed to the app as if it had been stored in the current shape; it is
/// stored in that shape the next time the app sets the key (reads stay reads). A value
/// ``migrate(_:from:)`` answers `nil` for reads as absent, so the app starts that value afresh
/// and the user stays signed in. A value stored by a newer build (during a rolling deploy) also
/// goes to ``migrate(_:from:)``, with its higher version.
public protocol VersionedSessionValue: Codable, Sendable {
    /// The version of the type's stored shape in this build. Raise it with every change that
    /// values stored under the previous one would not decode under.
    static var sessionSchemaVersion: Int { get }

    /// Turns a value stored under another version into this one, or `nil` to drop it.
    ///
    /// - Parameters:
    ///   - stored: the value as it was stored (without the version envelope).
    ///   - version: the version it was stored under; 0 for a plain value stored before the type
    ///     was versioned.
    /// - Returns: the value in this build's shape, or `nil` to read the key as absent.
    /// - Throws: only for a value that must not be dropped silently; the error reaches the caller
    ///   of the read.
    static func migrate(_ stored: JSONValue, from version: Int) throws -> Self?
}

extension VersionedSessionValue {
    /// Decodes `stored` as the current shape when it still fits it (an added optional field, say),
    /// and drops it otherwise.
    public static func migrate(_ stored: JSONValue, from version: Int) throws -> Self? {
        try? stored.decoded(as: Self.self)
    }
}

/// The stored form of a ``VersionedSessionValue``.
enum VersionedEnvelope {
    static let versionKey = "cloakroom:schema"
    static let valueKey = "value"

    /// Wraps an encoded value with its type's version.
    static func wrap(_ value: JSONValue, version: Int) -> JSONValue {
        .object([versionKey: .number(Double(version)), valueKey: value])
    }

    /// The version and value of a stored envelope; version 0 and the whole value for anything
    /// else (a plain value stored before its type was versioned).
    static func unwrap(_ stored: JSONValue) -> (version: Int, value: JSONValue) {
        guard case .object(let members) = stored, members.count == 2,
            case .number(let number)? = members[versionKey], let value = members[valueKey],
            let version = Int(exactly: number)
        else { return (0, stored) }
        return (version, value)
    }
}

extension VersionedSessionValue {
    /// This value encoded and wrapped with ``sessionSchemaVersion``.
    func versionedJSON() throws -> JSONValue {
        let bytes = try JSONEncoder().encode(self)
        return VersionedEnvelope.wrap(
            try JSONDecoder().decode(JSONValue.self, from: bytes),
            version: Self.sessionSchemaVersion
        )
    }

    /// Reads a stored value of any version: decodes the current one, migrates any other.
    static func fromVersionedJSON(_ stored: JSONValue) throws -> Self? {
        let (version, value) = VersionedEnvelope.unwrap(stored)
        guard version == sessionSchemaVersion else { return try migrate(value, from: version) }
        return try value.decoded(as: Self.self)
    }
}

extension JSONValue {
    /// This value decoded as `T` through `Codable`: for ``VersionedSessionValue/migrate(_:from:)``,
    /// which often decodes a stored value as the type's earlier shape.
    ///
    /// - Throws: a `DecodingError` when it does not decode as `T`.
    public func decoded<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }
}
