import CloakroomTesting
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Raw TCP probes of the servers `scripts/test-servers` starts.
enum TestServerProbe {
    /// `host:port` pairs from a URL such as `redis://127.0.0.1:6379` or `postgres://u@h:p/db`.
    static func endpoints(_ url: String) -> [(host: String, port: UInt16)] {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" }
        return rest.split(separator: ",").compactMap { part in
            guard let colon = part.lastIndex(of: ":"), let port = UInt16(part[part.index(after: colon)...]) else {
                return nil
            }
            return (String(part[..<colon]), port)
        }
    }

    /// Sends `request` over TCP and returns the first bytes of the answer.
    static func exchange(host: String, port: UInt16, request: [UInt8]) throws -> [UInt8] {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer[..<count]) : []
    }
}

@Suite("Test servers from scripts/test-servers")
struct TestServersTests {
    /// What a Redis node at `endpoint` answers to an inline PING.
    func ping(_ endpoint: (host: String, port: UInt16)) throws -> String {
        let reply = try TestServerProbe.exchange(
            host: endpoint.host,
            port: endpoint.port,
            request: Array("PING\r\n".utf8)
        )
        return String(decoding: reply, as: UTF8.self)
    }

    @Test func redisAnswersPing() throws {
        guard let url = try TestServers.redis() else { return }
        let endpoint = try #require(TestServerProbe.endpoints(url).first)
        #expect(try ping(endpoint) == "+PONG\r\n")
    }

    @Test func redisClusterNodesAnswerPing() throws {
        guard let url = try TestServers.redisCluster() else { return }
        let endpoints = TestServerProbe.endpoints(url)
        #expect(endpoints.count == 3)
        for endpoint in endpoints {
            #expect(try ping(endpoint) == "+PONG\r\n")
        }
    }

    @Test func postgresAnswersTheStartupHandshake() throws {
        guard let url = try TestServers.postgres() else { return }
        let endpoint = try #require(TestServerProbe.endpoints(url).first)
        // SSLRequest: length 8, code 80877103. A PostgreSQL server answers 'S' or 'N'.
        let request: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]
        let reply = try TestServerProbe.exchange(host: endpoint.host, port: endpoint.port, request: request)
        #expect(reply == [UInt8(ascii: "N")] || reply == [UInt8(ascii: "S")])
    }
}
