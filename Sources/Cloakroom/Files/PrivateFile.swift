import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Musl)
    import Musl
    private let systemWrite = Musl.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// The one way Cloakroom writes a file only its owner may read (session records, signing keys,
/// the API key ring, migration checkpoints, a new admin key): the folder created with mode 0700
/// if missing, a new temporary file with mode 0600 (never an existing one, never through a
/// symbolic link), every byte written and fsynced, then renamed into place (or linked, to create
/// without replacing), and the folder fsynced. A crash leaves the old file or the new one whole,
/// never part of one, and no reader ever sees the file with looser permissions.
package enum PrivateFile {
    /// What happens when a file is already at the path.
    package enum Placement: Sendable {
        /// The new file replaces it.
        case replace
        /// It stays, and nothing is written (of several processes creating at once, one wins).
        case createNew
    }

    /// A step that failed, with the system's reason.
    package struct Failure: Error, CustomStringConvertible {
        /// What was being done, e.g. "create the folder".
        package let step: String
        /// The `errno` of the failure.
        package let code: Int32

        /// "create the folder: Permission denied".
        package var description: String { "\(step): \(String(cString: strerror(code)))" }
    }

    /// Writes `bytes` to `path`.
    ///
    /// - Parameters:
    ///   - temporaryFolder: where the temporary file is made; the target's folder by default. It
    ///     must be on the same file system (a rename does not cross file systems).
    ///   - creatingFolder: whether the target's folder is created when missing; callers that made
    ///     their folders up front save the system calls.
    /// - Returns: `false` when `placement` is ``Placement/createNew`` and a file was already there.
    @discardableResult
    package static func write(
        _ bytes: [UInt8],
        to path: String,
        placement: Placement,
        temporaryFolder: String? = nil,
        creatingFolder: Bool = true
    ) throws(Failure) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        if creatingFolder { try createFolder(directory) }
        let temporary =
            "\(temporaryFolder ?? directory)/.\((path as NSString).lastPathComponent).\(UInt64.random(in: 0 ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(step: "create a temporary file in \(directory)", code: errno) }
        defer { unlink(temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                let code = errno
                close(descriptor)
                throw Failure(step: "write \(path)", code: code)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw Failure(step: "flush \(path) to disk", code: code)
        }
        close(descriptor)
        switch placement {
        case .replace:
            guard rename(temporary, path) == 0 else { throw Failure(step: "replace \(path)", code: errno) }
        case .createNew:
            // link(2) fails when the name exists, so an existing file is never replaced.
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { return false }
                throw Failure(step: "create \(path)", code: errno)
            }
        }
        syncFolder(directory)
        return true
    }

    /// Writes `data` to `path` (see ``write(_:to:placement:temporaryFolder:creatingFolder:)``).
    @discardableResult
    package static func write(
        _ data: Data,
        to path: String,
        placement: Placement,
        temporaryFolder: String? = nil,
        creatingFolder: Bool = true
    ) throws(Failure) -> Bool {
        try write(
            [UInt8](data),
            to: path,
            placement: placement,
            temporaryFolder: temporaryFolder,
            creatingFolder: creatingFolder
        )
    }

    /// Creates `folder` and its missing parents with mode 0700.
    package static func createFolder(_ folder: String) throws(Failure) {
        if mkdir(folder, 0o700) == 0 { return }
        switch errno {
        case EEXIST:
            var status = stat()
            guard stat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw Failure(step: "create the folder \(folder)", code: ENOTDIR)
            }
        case ENOENT:
            let parent = (folder as NSString).deletingLastPathComponent
            guard !parent.isEmpty, parent != folder else {
                throw Failure(step: "create the folder \(folder)", code: ENOENT)
            }
            try createFolder(parent)
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
                throw Failure(step: "create the folder \(folder)", code: errno)
            }
        default:
            throw Failure(step: "create the folder \(folder)", code: errno)
        }
    }

    /// Makes a rename or link in `folder` durable.
    private static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
