import Foundation
import Hummingbird

/// Decodes request bodies by their `Content-Type`: HTML forms
/// (`application/x-www-form-urlencoded`) with Hummingbird's form decoder, everything else as
/// JSON. Web apps get both from `request.decode(as:context:)`.
public struct FormOrJSONDecoder: RequestDecoder {
    /// Creates the decoder.
    public init() {}

    /// Decodes the body as `T`.
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws
        -> T
    {
        if let contentType = request.headers.value(of: .contentType),
            contentType.lowercased().hasPrefix("application/x-www-form-urlencoded")
        {
            return try await URLEncodedFormDecoder().decode(type, from: request, context: context)
        }
        return try await JSONDecoder().decode(type, from: request, context: context)
    }
}
