import Cloakroom
import Foundation
import Hummingbird

/// Reads request bodies as JSON with precise, safe error messages.
enum JSONBody {
    /// Decodes the body as `T` with `JSONDecoder`; an empty body decodes as `{}` when `allowEmpty`.
    static func decode<T: Decodable>(
        _ type: T.Type,
        from request: Request,
        limit: Int,
        allowEmpty: Bool = false
    ) async throws -> T {
        let buffer = try await body(of: request, limit: limit, allowEmpty: allowEmpty)
        return try decoded(T.self, from: Data(buffer.readableBytesView))
    }

    /// Reads the body of a hot call straight from ``JSONParser``'s output when it has its usual
    /// shape, and with `JSONDecoder` otherwise (which then words the error).
    ///
    /// An overload rather than a cast to `any ParsedJSONBody.Type` inside the one above: that
    /// cast looked the conformance up at run time on every request.
    static func decode<T: ParsedJSONBody>(
        _ type: T.Type,
        from request: Request,
        limit: Int,
        allowEmpty: Bool = false
    ) async throws -> T {
        let buffer = try await body(of: request, limit: limit, allowEmpty: allowEmpty)
        let parsed = buffer.withUnsafeReadableBytes { bytes in
            try? JSONParser.parse(bytes.bindMemory(to: UInt8.self))
        }
        if case .object(let members)? = parsed, let body = T(members: members) {
            return body
        }
        return try decoded(T.self, from: Data(buffer.readableBytesView))
    }

    /// The body, at most `limit` bytes; one of blanks only is `{}` when `allowEmpty`.
    private static func body(of request: Request, limit: Int, allowEmpty: Bool) async throws -> ByteBuffer {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: .bodyTooLarge, message: "the request body exceeds \(limit) bytes")
        }
        if buffer.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else { throw APIError.badRequest("the request body must be a JSON object") }
            return ByteBuffer(string: "{}")
        }
        return buffer
    }

    /// `bytes` decoded by `JSONDecoder`, its failure worded without echoing values.
    private static func decoded<T: Decodable>(_ type: T.Type, from bytes: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: bytes)
        } catch let error as DecodingError {
            throw APIError.badRequest(describe(error))
        } catch {
            throw APIError.badRequest("the request body must be a JSON object")
        }
    }

    /// Words a decoding error without echoing values (they may be secrets).
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return text.isEmpty ? "the body" : "'\(text)'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) has the wrong type; expected \(expectedName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must not be null; expected \(expectedName(type))"
        case .keyNotFound(let key, _):
            return "'\(key.stringValue)' is required"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the request body is not valid JSON" : "\(path(context.codingPath)) has an invalid value"
        @unknown default:
            return "the request body could not be read"
        }
    }

    private static func expectedName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is UInt64.Type, is Int.Type: "a whole number"
        case is [String].Type: "an array of strings"
        case is [String: Any].Type: "an object"
        default: "\(type)".contains("Dictionary") ? "an object" : "a value of another type"
        }
    }
}
