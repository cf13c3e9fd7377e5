import Cloakroom
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hands the first admin API key to the person starting `cloakroomd` without writing it to a log.
///
/// On a terminal the key is printed, as a person is reading. Anywhere else standard output is a
/// log (journald, container logs, a file), so the key goes to a new file readable only by the
/// owner and only that file's path is printed.
enum NewSecretNotice {
    /// Whether a person (a terminal) reads standard output rather than a log.
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Where the key goes when standard output is not a terminal: beside the keys file.
    static func secretFile(forKeysFile keysFile: String) -> String {
        let folder = (keysFile as NSString).deletingLastPathComponent
        return folder.isEmpty ? "admin-key.txt" : "\(folder)/admin-key.txt"
    }

    /// The message to show, after writing the secret to its file when `toTerminal` is false.
    ///
    /// - Throws: ``Cloakroom/CloakroomError/Code/invalidConfiguration`` when the file cannot be
    ///   written; the key is then not shown anywhere and the keys file must be removed to retry.
    static func announce(secret: String, keysFile: String, toTerminal: Bool) throws(CloakroomError) -> String {
        if toTerminal {
            return """
                Created \(keysFile) with one admin API key. It is shown only this once:

                    \(secret)

                Use it as 'Authorization: Bearer <key>'. Only its SHA-256 is stored.
                """
        }
        let path = secretFile(forKeysFile: keysFile)
        try writeOwnerOnly(Array((secret + "\n").utf8), to: path, keysFile: keysFile)
        return """
            Created \(keysFile) with one admin API key. Standard output is not a terminal, so the key is \
            not printed here (logs must hold no secret); it is written to \(path), readable only by this \
            user. Read it, keep it somewhere safe, then delete that file. Use it as \
            'Authorization: Bearer <key>'. Only its SHA-256 is stored.
            """
    }

    /// Writes `bytes` to a new file at `path` with mode 0600, replacing a file left from an
    /// earlier first start (its key no longer exists) without following a symbolic link there.
    static func writeOwnerOnly(_ bytes: [UInt8], to path: String, keysFile: String) throws(CloakroomError) {
        do {
            try PrivateFile.write(bytes, to: path, placement: .replace)
        } catch {
            throw failure(path, keysFile, "\(error)")
        }
    }

    private static func failure(_ path: String, _ keysFile: String, _ reason: String) -> CloakroomError {
        CloakroomError(
            .invalidConfiguration,
            "cannot write the new admin API key to '\(path)': \(reason); remove '\(keysFile)' and start again in a writable data folder, or start on a terminal to see the key"
        )
    }
}
