import Foundation

/// The client address a proxy reports in `X-Forwarded-For`.
public enum ForwardedFor {
    /// The first address of an `X-Forwarded-For` value, or `nil` when it is empty or longer than
    /// any address (64 bytes). Trust it only behind a proxy that sets the header itself:
    /// otherwise any client can claim any address.
    public static func firstAddress(inHeader header: some StringProtocol) -> String? {
        guard let first = header.split(separator: ",").first?.trimmingCharacters(in: .whitespaces),
            !first.isEmpty, first.utf8.count <= 64
        else { return nil }
        return first
    }
}
