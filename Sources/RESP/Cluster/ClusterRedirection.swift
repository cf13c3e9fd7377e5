/// What a cluster node's error reply tells the client to do instead of failing: parsed once,
/// here, from `MOVED`, `ASK`, `TRYAGAIN` and `CLUSTERDOWN` replies.
enum ClusterRedirection: Sendable, Hashable {
    /// The slot lives on another node for good: update the slot map, go there.
    case moved(slot: Int, address: String)
    /// The slot is migrating: send this one command to `address`, preceded by `ASKING`.
    case ask(slot: Int, address: String)
    /// A multi-key command met keys in the middle of a migration: wait and retry.
    case tryAgain
    /// The cluster cannot serve the slot right now: wait, refresh the map, retry.
    case clusterDown

    /// The redirection an error reply asks for, or `nil` for any other error (including a
    /// `MOVED`/`ASK` whose slot or address is malformed, which is reported as it is).
    ///
    /// - Parameter defaultHost: the host of the node that answered; Redis writes `:port` when the
    ///   target node announces no host of its own.
    init?(_ error: RESPError, defaultHost: String) {
        guard error.code == .serverError else { return nil }
        let words = error.message.split(separator: " ")
        switch words.first {
        case "MOVED", "ASK":
            guard words.count == 3, let slot = Int(words[1]), (0..<ClusterSlot.count).contains(slot),
                let address = Self.address(words[2], defaultHost: defaultHost)
            else { return nil }
            self = words[0] == "MOVED" ? .moved(slot: slot, address: address) : .ask(slot: slot, address: address)
        case "TRYAGAIN": self = .tryAgain
        case "CLUSTERDOWN": self = .clusterDown
        default: return nil
        }
    }

    /// `host:port`, with `defaultHost` for `:port`; `nil` without a port number.
    private static func address(_ text: Substring, defaultHost: String) -> String? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return nil }
        let host = text[..<colon]
        return "\(host.isEmpty ? Substring(defaultHost) : host):\(port)"
    }
}
