import Cloakroom
import CloakroomTokens
import Hummingbird
import Logging

/// Turns every error into the API's error shape, so no caller ever sees an empty or HTML error,
/// and nothing thrown anywhere becomes a 500 with details.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as CloakroomError {
            if [.corruptRecord, .decryptionFailed, .storeUnavailable, .storeFull, .duplicateKey].contains(error.code) {
                context.logger.error("store error", metadata: ["error": "\(error)"])
            }
            return try APIError(error).response(from: request, context: context)
        } catch let error as TokenError {
            return try APIError(error).response(from: request, context: context)
        } catch let error as HTTPError {
            return try Self.map(error).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return try APIError(.internalServerError, code: .internal, message: "an unexpected error occurred")
                .response(from: request, context: context)
        }
    }

    static func map(_ error: HTTPError) -> APIError {
        switch error.status {
        case .notFound:
            APIError(.notFound, code: .notFound, message: "no such endpoint; see the HTTP API in the README")
        case .contentTooLarge:
            APIError(.contentTooLarge, code: .bodyTooLarge, message: "the request body is too large")
        case .methodNotAllowed:
            APIError(.methodNotAllowed, code: .methodNotAllowed, message: "this endpoint does not take that method")
        default:
            APIError(error.status, code: .badRequest, message: error.body ?? error.status.reasonPhrase)
        }
    }
}
