import Foundation
import Synchronization

/// Appends each event as one line of JSON to a file (created with mode 0600 if absent).
///
/// Writes are appends of whole lines with `O_APPEND`, so several processes may share a file.
public final class JSONLinesEventSink: SessionEventSink {
    private let descriptor: Int32
    private let encoder: JSONEncoder
    private let lock = Mutex(())

    /// Opens (or creates) the file at `path` for appending.
    ///
    /// - Throws: ``CloakroomError/Code/invalidConfiguration`` when the file cannot be opened.
    public init(path: String) throws(CloakroomError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CloakroomError(
                .invalidConfiguration,
                "event file '\(path)' cannot be opened for appending (errno \(errno)); check the folder exists and is writable"
            )
        }
        self.descriptor = descriptor
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.encoder = encoder
    }

    deinit {
        close(descriptor)
    }

    /// Records the event.
    public func record(_ event: SessionEvent) {
        lock.withLock { _ in
            guard var line = try? encoder.encode(event) else { return }
            line.append(UInt8(ascii: "\n"))
            line.withUnsafeBytes { buffer in
                _ = write(descriptor, buffer.baseAddress, buffer.count)
            }
        }
    }
}
