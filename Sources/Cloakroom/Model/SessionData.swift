import Foundation

/// The data of a session: a JSON object, with typed access through `Codable`.
public struct SessionData: Sendable, Hashable, Codable {
    /// The object's members.
    public var values: [String: JSONValue]

    /// Creates session data from members; empty by default.
    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    /// The prefix of keys that belong to Cloakroom itself (`cloakroom:admin_key`, say).
    ///
    /// Cloakroom keeps a few facts in a session's data that grant something, such as the admin
    /// dashboard's sign-in. The HTTP API refuses to write or remove keys with this prefix, so
    /// session data written by an API caller can never grant anything. Apps should not use it.
    public static let reservedKeyPrefix = "cloakroom:"

    /// Whether `key` belongs to Cloakroom itself (see ``reservedKeyPrefix``).
    public static func isReserved(_ key: String) -> Bool {
        key.utf8.starts(with: reservedKeyPrefix.utf8)
    }

    /// The raw JSON value of a key.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Decodes the value of `key` as `T`; `nil` when the key is absent.
    ///
    /// A ``VersionedSessionValue`` stored under another version of `T` goes through
    /// `T.migrate(_:from:)`, and is `nil` when that drops it.
    public func decode<T: Decodable>(_ type: T.Type, forKey key: String) throws -> T? {
        guard let value = values[key] else { return nil }
        // Strings, whole numbers and booleans, the common session values, skip the JSON round trip
        // and, being none of them versioned, the conformance look-up below.
        // `T` is the type compared, so the value is handed over as it is: `as? T` would go
        // through the runtime's dynamic cast, unspecialized in an app's module.
        switch value {
        case .string(let string) where T.self == String.self: return unsafeBitCast(string, to: T.self)
        case .bool(let bool) where T.self == Bool.self: return unsafeBitCast(bool, to: T.self)
        case .number(let number) where T.self == Double.self: return unsafeBitCast(number, to: T.self)
        case .number(let number) where T.self == Int.self && number.rounded() == number && abs(number) <= 0x1p53:
            return unsafeBitCast(Int(number), to: T.self)
        default: break
        }
        if let versioned = T.self as? any VersionedSessionValue.Type {
            return try versioned.fromVersionedJSON(value) as? T
        }
        let bytes = try JSONEncoder().encode(value)
        return try JSONDecoder().decode(T.self, from: bytes)
    }

    /// Encodes `value` and stores it under `key`; a ``VersionedSessionValue`` with its version.
    public mutating func set<Value: Encodable>(_ value: Value, forKey key: String) throws {
        // The plain types first, by comparing the type (a dynamic cast goes through the runtime,
        // unspecialized in an app's module): a cast to the versioned protocol looks up a
        // conformance, which costs more than the rest of a `set` of a string or a number.
        if Value.self == String.self {
            values[key] = .string(unsafeBitCast(value, to: String.self))
            return
        }
        if Value.self == Bool.self {
            values[key] = .bool(unsafeBitCast(value, to: Bool.self))
            return
        }
        if Value.self == Int.self {
            let int = unsafeBitCast(value, to: Int.self)
            if int.magnitude <= 1 << 53 {  // exact as a Double
                values[key] = .number(Double(int))
                return
            }
        }
        switch value {
        case let versioned as any VersionedSessionValue:
            values[key] = try versioned.versionedJSON()
            return
        default: break
        }
        let bytes = try JSONEncoder().encode(value)
        values[key] = try JSONDecoder().decode(JSONValue.self, from: bytes)
    }

    /// Decodes a whole session data object; throws ``CloakroomError/Code/invalidData`` unless the
    /// bytes are a JSON object.
    public static func decode(json bytes: some DataProtocol) throws(CloakroomError) -> SessionData {
        let parsed: JSONValue? =
            bytes.withContiguousStorageIfAvailable { try? JSONParser.parse($0) }
            ?? Array(bytes).withUnsafeBufferPointer { try? JSONParser.parse($0) }
        if case .object(let members) = parsed { return SessionData(members) }
        do {
            return SessionData(try JSONDecoder().decode([String: JSONValue].self, from: Data(bytes)))
        } catch {
            throw CloakroomError(.invalidData, "session data must be a JSON object")
        }
    }

    /// The data as compact JSON with sorted keys.
    public func encodedJSON() throws(CloakroomError) -> [UInt8] {
        do {
            return try JSONWriter.write(.object(values))
        } catch {
            throw CloakroomError(.invalidData, "session data could not be encoded as JSON (numbers must be finite)")
        }
    }

    /// Decodes the whole object as `T`.
    public init(from decoder: any Decoder) throws {
        self.values = try [String: JSONValue](from: decoder)
    }

    /// Encodes the whole object.
    public func encode(to encoder: any Encoder) throws {
        try values.encode(to: encoder)
    }
}

extension SessionData: ExpressibleByDictionaryLiteral {
    /// Session data from literal members; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
