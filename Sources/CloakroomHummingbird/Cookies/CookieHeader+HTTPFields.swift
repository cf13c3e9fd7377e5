import CloakroomWeb
import Hummingbird

extension CookieHeader {
    /// The value of the first cookie called `name` in a request's `Cookie` headers, or `nil`;
    /// surrounding quotes are removed.
    public static func value(named name: String, in fields: HTTPFields) -> Substring? {
        // A loop here rather than `value(named:inHeaders:)` over a lazy map: this runs on every
        // request, and a generic call across modules would not be specialised.
        for field in fields where field.name == .cookie {
            if let value = value(named: name, inHeader: field.value) { return value }
        }
        return nil
    }
}
