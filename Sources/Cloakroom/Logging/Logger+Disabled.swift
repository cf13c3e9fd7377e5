import Logging

extension Logger {
    /// A logger that drops every message: the default of Cloakroom's initializers, which, as
    /// swift-log asks of libraries, never make up a logger of their own. Pass yours to see what
    /// Cloakroom logs.
    public static var cloakroomDisabled: Logger {
        Logger(label: "cloakroom", factory: { _ in SwiftLogNoOpLogHandler() })
    }
}
