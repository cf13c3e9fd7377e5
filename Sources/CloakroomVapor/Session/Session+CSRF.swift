#if Vapor
    import Cloakroom
    import CloakroomWeb
    import Vapor

    extension Vapor.Session {
        /// The session's CSRF token for apps on Vapor's `req.session`, created on first use (and
        /// stored with the session); ``CSRFMiddleware`` checks it. A sign-in through the `.cloakroom`
        /// driver drops it, so a token never outlives the ID it was handed out under.
        public func csrfToken() -> String {
            if let existing = data[SessionHandle.csrfTokenKey], existing.utf8.count == 43 { return existing }
            let token = Cloakroom.SessionID.generate().encoded
            data[SessionHandle.csrfTokenKey] = token
            return token
        }
    }
#endif
