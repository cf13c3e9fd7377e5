import Cloakroom

/// A request body that can be read straight from parsed JSON when it has its usual shape.
///
/// `JSONDecoder` and `Codable` took ~5 % of `cloakroomd`'s CPU on a resume. The bodies of the hot
/// calls read their members from ``JSONParser``'s output instead; anything unusual (a member of
/// the wrong type, a missing one, a number that must be whole) makes ``init(members:)`` answer
/// `nil`, and `JSONDecoder` decides, with its precise error, as before.
protocol ParsedJSONBody: Decodable {
    /// The body, or `nil` to leave the decision to `JSONDecoder`.
    init?(members: [String: JSONValue])
}

/// Typed reads of an object's members that answer "not this shape" (the outer `nil`) when a
/// member has another type; absent and `null` members read as `.some(nil)`, as `Codable`'s
/// optionals do.
struct JSONMembers {
    var members: [String: JSONValue]

    func string(_ key: String) -> String?? {
        switch members[key] {
        case nil, .null?: .some(nil)
        case .string(let text)?: .some(text)
        default: nil
        }
    }

    func object(_ key: String) -> [String: JSONValue]?? {
        switch members[key] {
        case nil, .null?: .some(nil)
        case .object(let object)?: .some(object)
        default: nil
        }
    }

    func strings(_ key: String) -> [String]?? {
        switch members[key] {
        case nil, .null?: return .some(nil)
        case .array(let elements)?:
            var strings: [String] = []
            strings.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let text) = element else { return nil }
                strings.append(text)
            }
            return .some(strings)
        default: return nil
        }
    }

    func numbers(_ key: String) -> [String: Double]?? {
        switch members[key] {
        case nil, .null?: return .some(nil)
        case .object(let object)?:
            var numbers: [String: Double] = [:]
            numbers.reserveCapacity(object.count)
            for (name, value) in object {
                guard case .number(let number) = value else { return nil }
                numbers[name] = number
            }
            return .some(numbers)
        default: return nil
        }
    }

    /// Whether the member is absent or `null`.
    func isAbsent(_ key: String) -> Bool {
        switch members[key] {
        case nil, .null?: true
        default: false
        }
    }
}

extension ResumeSessionBody: ParsedJSONBody {
    init?(members: [String: JSONValue]) {
        let members = JSONMembers(members: members)
        guard case let id?? = members.string("id"), let ip = members.string("ip"),
            let userAgent = members.string("user_agent")
        else { return nil }
        self.init(id: id, ip: ip, userAgent: userAgent)
    }
}

extension UpdateSessionBody: ParsedJSONBody {
    init?(members: [String: JSONValue]) {
        let members = JSONMembers(members: members)
        // A version must be a whole number in range, which JSONDecoder words best: left to it.
        guard case let id?? = members.string("id"), let set = members.object("set"),
            let unset = members.strings("unset"), let increment = members.numbers("increment"),
            members.isAbsent("if_version")
        else { return nil }
        self.init(id: id, set: set, unset: unset, increment: increment, ifVersion: nil)
    }
}
