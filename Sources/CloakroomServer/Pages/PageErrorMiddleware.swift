import Cloakroom
import Hummingbird

/// Turns errors on the pages into pages: a refused form or a store outage shows a readable
/// message with the right status instead of JSON or a bare 500.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let renderer: PageRenderer

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let title = error.status == .forbidden ? "Request refused" : "Something is not right"
            return renderer.message(
                title,
                error.body ?? error.status.reasonPhrase,
                status: error.status,
                link: ("/", "Home")
            )
        } catch let error as CloakroomError {
            let answer = APIError(error)
            let unavailable = answer.status == .serviceUnavailable
            return renderer.message(
                unavailable ? "Sessions are unavailable" : "Something is not right",
                unavailable ? "The session store does not answer right now. Try again in a moment." : answer.message,
                status: answer.status,
                link: ("/", "Home")
            )
        }
    }
}
