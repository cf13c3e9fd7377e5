/// An error from Cloakroom's manager or one of its stores.
///
/// Callers switch on ``code``; people read ``message``. A message never contains a session ID,
/// token or key: anything secret is described, never quoted.
public struct CloakroomError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable value to switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidSessionID
            case sessionNotFound
            case versionConflict
            case dataTooLarge
            case invalidUserID
            case invalidData
            case tooManySessions
            case duplicateKey
            case storeFull
            case storeUnavailable
            case corruptRecord
            case decryptionFailed
            case invalidConfiguration
        }

        let base: Base

        /// The text was not a session ID: 43 base64url characters encoding 32 bytes.
        public static let invalidSessionID = Code(base: .invalidSessionID)
        /// No live session has this ID (it never existed, expired or was ended).
        public static let sessionNotFound = Code(base: .sessionNotFound)
        /// The session changed since the version the caller named.
        public static let versionConflict = Code(base: .versionConflict)
        /// The session data would exceed the policy's maximum size.
        public static let dataTooLarge = Code(base: .dataTooLarge)
        /// The user ID is empty, too long or contains control characters.
        public static let invalidUserID = Code(base: .invalidUserID)
        /// The session data is not a JSON object or could not be encoded.
        public static let invalidData = Code(base: .invalidData)
        /// The user already holds the maximum number of sessions and the policy refuses more.
        public static let tooManySessions = Code(base: .tooManySessions)
        /// A record with this key already exists (only on insert).
        public static let duplicateKey = Code(base: .duplicateKey)
        /// A bounded store holds its maximum number of records.
        public static let storeFull = Code(base: .storeFull)
        /// The store could not be reached or failed to answer.
        public static let storeUnavailable = Code(base: .storeUnavailable)
        /// Stored bytes could not be decoded into a record.
        public static let corruptRecord = Code(base: .corruptRecord)
        /// Stored data could not be decrypted with any key in the key ring.
        public static let decryptionFailed = Code(base: .decryptionFailed)
        /// A setting has a value that cannot be used.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)

        /// The code as a stable string, e.g. `sessionNotFound`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// What was wrong and what to do, fit for a person to read; never holds a secret.
    public var message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message.
    public var description: String { "\(code): \(message)" }
}

extension CloakroomError {
    static func storeUnavailable(_ store: String, _ underlying: any Error) -> CloakroomError {
        CloakroomError(
            .storeUnavailable,
            "\(store) store failed: \(underlying); check that it is reachable and writable"
        )
    }

    static func corrupt(_ store: String, _ what: String) -> CloakroomError {
        CloakroomError(
            .corruptRecord,
            "\(store) store holds a record that cannot be read (\(what)); remove it or restore it from a backup"
        )
    }
}
