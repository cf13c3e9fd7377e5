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
        var members: [String: JSONValue] = [
            CodingKeys.createdAt.rawValue: .number(createdAt.timeIntervalSinceReferenceDate),
            CodingKeys.lastSeenAt.rawValue: .number(lastSeenAt.timeIntervalSinceReferenceDate),
        ]
        if let authenticatedAt {
            members[CodingKeys.authenticatedAt.rawValue] = .number(authenticatedAt.timeIntervalSinceReferenceDate)
        }
        if let ip { members[CodingKeys.ip.rawValue] = .string(ip) }
        if let userAgent { members[CodingKeys.userAgent.rawValue] = .string(userAgent) }
        if let device { members[CodingKeys.device.rawValue] = .string(device) }
        guard var output = try? JSONWriter.write(.object(members)) else {
            throw CloakroomError(.invalidData, "session metadata holds a time that is not finite; check the clock")
        }
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
        let value =
            bytes.withContiguousStorageIfAvailable { try? JSONParser.parse($0) }
            ?? Array(bytes).withUnsafeBufferPointer { try? JSONParser.parse($0) }
        if case .object(let members)? = value, members[CodingKeys.tokens.rawValue] == nil,
            let metadata = Self(members: members)
        {
            self = metadata
        } else if let metadata = try? JSONDecoder().decode(Self.self, from: Data(bytes)) {
            self = metadata
        } else {
            return nil
        }
    }

    /// The metadata of a parsed object without token state; `nil` when a member has the wrong
    /// type or a required one is missing.
    private init?(members: [String: JSONValue]) {
        func time(_ key: CodingKeys) -> Date?? {
            switch members[key.rawValue] {
            case nil, .null?: .some(nil)
            case .number(let seconds)?: .some(Date(timeIntervalSinceReferenceDate: seconds))
            default: nil
            }
        }
        func text(_ key: CodingKeys) -> String?? {
            switch members[key.rawValue] {
            case nil, .null?: .some(nil)
            case .string(let text)?: .some(text)
            default: nil
            }
        }
        guard case let createdAt?? = time(.createdAt), case let lastSeenAt?? = time(.lastSeenAt),
            let authenticatedAt = time(.authenticatedAt), let ip = text(.ip), let userAgent = text(.userAgent),
            let device = text(.device)
        else { return nil }
        self.init(
            createdAt: createdAt,
            lastSeenAt: lastSeenAt,
            authenticatedAt: authenticatedAt,
            ip: ip,
            userAgent: userAgent,
            device: device
        )
    }
}
