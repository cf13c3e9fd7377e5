import Foundation

extension SessionMetadata {
    /// The metadata as the JSON its `Codable` form writes (`c`, `l`, `a`, `i`, `u`, `d`, `k`;
    /// times as seconds since 2001, absent fields left out), without `JSONEncoder`.
    ///
    /// SQLite and PostgreSQL keep a record's metadata as this JSON, so every write encodes it;
    /// `JSONEncoder` costs several times more than appending the bytes. Token state, rare and
    /// nested, still goes through `JSONEncoder`.
    ///
    /// - Throws: ``CloakroomError/Code/invalidData`` when a time is not finite or the token
    ///   state cannot be encoded.
    package func jsonBytes() throws(CloakroomError) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(96 + (ip?.utf8.count ?? 0) + (userAgent?.utf8.count ?? 0) + (device?.utf8.count ?? 0))
        func append(_ key: CodingKeys, _ value: JSONValue) throws(JSONWriter.Failure) {
            if output.count > 1 { output.append(UInt8(ascii: ",")) }
            JSONWriter.append(key.rawValue, to: &output)
            output.append(UInt8(ascii: ":"))
            try JSONWriter.append(value, to: &output)
        }
        do {
            // Members in code-point order of their keys (a, c, d, i, l, u), as `JSONWriter` writes
            // an object: the bytes it wrote before, without a dictionary built and sorted per write.
            if let authenticatedAt {
                try append(.authenticatedAt, .number(authenticatedAt.timeIntervalSinceReferenceDate))
            }
            try append(.createdAt, .number(createdAt.timeIntervalSinceReferenceDate))
            if let device { try append(.device, .string(device)) }
            if let ip { try append(.ip, .string(ip)) }
            try append(.lastSeenAt, .number(lastSeenAt.timeIntervalSinceReferenceDate))
            if let userAgent { try append(.userAgent, .string(userAgent)) }
        } catch {
            throw CloakroomError(.invalidData, "session metadata holds a time that is not finite; check the clock")
        }
        output.append(UInt8(ascii: "}"))
        if let tokens {
            let state: Data
            do {
                state = try JSONEncoder().encode(tokens)
            } catch {
                throw CloakroomError(.invalidData, "session token state cannot be encoded (\(type(of: error)))")
            }
            // Member order carries no meaning in JSON: the state goes last, before the closing brace.
            output.removeLast()
            output.append(contentsOf: #","k":"#.utf8)
            output.append(contentsOf: state)
            output.append(UInt8(ascii: "}"))
        }
        return output
    }

    /// The metadata in `bytes`, JSON as ``jsonBytes()`` or `JSONEncoder` writes it; `nil` when
    /// the bytes are not such JSON.
    ///
    /// Read without `JSONDecoder` when the JSON has the usual shape; anything else (token state,
    /// unusual forms) is left to `JSONDecoder`, which keeps the final word.
    package init?(jsonBytes bytes: some Collection<UInt8>) {
        let fast =
            bytes.withContiguousStorageIfAvailable { Self(members: $0) }
            ?? Array(bytes).withUnsafeBufferPointer { Self(members: $0) }
        if let fast {
            self = fast
        } else if let metadata = try? JSONDecoder().decode(Self.self, from: Data(bytes)) {
            self = metadata
        } else {
            return nil
        }
    }

    /// The metadata of JSON in the usual shape (an object of times and strings, no token state),
    /// read member by member without a dictionary; `nil` for anything else.
    private init?(members bytes: UnsafeBufferPointer<UInt8>) {
        var fields = Fields()
        do {
            try JSONParser.parseMembers(bytes) { key, value throws(JSONParser.Failure) in
                try fields.take(key, value)
            }
        } catch {
            return nil
        }
        guard let createdAt = fields.createdAt ?? nil, let lastSeenAt = fields.lastSeenAt ?? nil else { return nil }
        self.init(
            createdAt: createdAt,
            lastSeenAt: lastSeenAt,
            authenticatedAt: fields.authenticatedAt ?? nil,
            ip: fields.ip ?? nil,
            userAgent: fields.userAgent ?? nil,
            device: fields.device ?? nil
        )
    }

    /// The members read so far: `nil` not seen yet, `.some(nil)` seen as `null`.
    private struct Fields {
        var createdAt: Date??
        var lastSeenAt: Date??
        var authenticatedAt: Date??
        var ip: String??
        var userAgent: String??
        var device: String??

        /// Keeps a member; throws when its value has the wrong type or it holds token state.
        /// The first of duplicate keys wins, as with `JSONDecoder`; unknown keys are ignored.
        mutating func take(_ key: String, _ value: JSONValue) throws(JSONParser.Failure) {
            switch CodingKeys(rawValue: key) {
            case .createdAt?: if createdAt == nil { createdAt = try Self.time(value) }
            case .lastSeenAt?: if lastSeenAt == nil { lastSeenAt = try Self.time(value) }
            case .authenticatedAt?: if authenticatedAt == nil { authenticatedAt = try Self.time(value) }
            case .ip?: if ip == nil { ip = try Self.text(value) }
            case .userAgent?: if userAgent == nil { userAgent = try Self.text(value) }
            case .device?: if device == nil { device = try Self.text(value) }
            // Token state is nested and rare: `JSONDecoder` reads it.
            case .tokens?: throw JSONParser.Failure()
            case nil: break
            }
        }

        private static func time(_ value: JSONValue) throws(JSONParser.Failure) -> Date? {
            switch value {
            case .null: nil
            case .number(let seconds): Date(timeIntervalSinceReferenceDate: seconds)
            default: throw JSONParser.Failure()
            }
        }

        private static func text(_ value: JSONValue) throws(JSONParser.Failure) -> String? {
            switch value {
            case .null: nil
            case .string(let text): text
            default: throw JSONParser.Failure()
            }
        }
    }
}
