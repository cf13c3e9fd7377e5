import Crypto

/// A Lua script for `EVALSHA`, with its SHA-1 computed once.
public struct RESPScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The lowercase hex SHA-1 of the source, as Redis names cached scripts.
    public let sha1: String
    /// `EVALSHA` and the SHA-1 as a command's first arguments, made once: a script runs on every
    /// write.
    let evalSHAPrefix: [[UInt8]]

    /// Creates a script from its source.
    public init(_ source: String) {
        self.source = source
        sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map {
            let hex = String($0, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        evalSHAPrefix = [Array("EVALSHA".utf8), Array(sha1.utf8)]
    }
}
