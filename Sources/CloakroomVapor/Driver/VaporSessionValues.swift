#if Vapor
    import Cloakroom
    import Foundation

    /// Vapor's `[String: String]` session data against Cloakroom's JSON data.
    enum VaporSessionValues {
        /// Vapor's strings as JSON strings.
        static func data(_ values: [String: String]) -> Cloakroom.SessionData {
            Cloakroom.SessionData(values.mapValues { .string($0) })
        }

        /// Cloakroom's values as strings: a JSON string as itself, any other value as its JSON text.
        /// Reserved keys (`cloakroom:`) are Cloakroom's own and stay out of Vapor's sight.
        static func strings(_ data: Cloakroom.SessionData) -> [String: String] {
            // Sized at creation: `reserveCapacity` is an unspecialized call that looks up the
            // storage's generic type on every request (as in `JSONParser.object()`).
            var values = [String: String](minimumCapacity: data.values.count)
            for (key, value) in data.values where !Cloakroom.SessionData.isReserved(key) {
                if case .string(let text) = value {
                    values[key] = text
                } else if let bytes = try? JSONWriter.write(value) {
                    values[key] = String(decoding: bytes, as: UTF8.self)
                }
            }
            return values
        }

        /// The keys set to a new value or removed between `before` and `after`.
        static func changes(from before: [String: String], to after: [String: String]) -> SessionChanges {
            var changes = SessionChanges()
            for (key, value) in after where before[key] != value { changes.set[key] = .string(value) }
            for key in before.keys where after[key] == nil { changes.unset.insert(key) }
            return changes
        }

        /// The user signed in through Vapor's `SessionAuthenticatable`: the value of its
        /// `_<Type>Session` key (the first by name when several types are signed in).
        static func user(in values: [String: String]) -> String? {
            values.keys.filter(isAuthenticationKey).sorted().first.flatMap { values[$0] }
        }

        /// Whether `key` is where Vapor's `Session.authenticate(_:)` keeps a signed-in user:
        /// `_` + a type name (capitalized, as Swift types are) + `Session`.
        static func isAuthenticationKey(_ key: String) -> Bool {
            key.hasPrefix("_") && key.hasSuffix("Session") && key.count > "_Session".count
                && key.dropFirst().first?.isUppercase == true
        }
    }
#endif
