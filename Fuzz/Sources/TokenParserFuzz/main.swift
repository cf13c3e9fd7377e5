import Cloakroom
import CloakroomTokens
import Foundation

/// Runs `body` to completion from libFuzzer's synchronous callback.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
    let done = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return box.result!
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// A token service on a memory store, with one live session and its tokens as seeds.
struct Target: Sendable {
    let service: TokenService
    let seeds: [String]

    static func make() -> Target {
        let made = blocking {
            let manager = try SessionManager(store: MemorySessionStore())
            let service = await TokenService(
                manager: manager,
                keys: try SigningKeySet(keys: [SigningKey.generate(.es256, id: "fuzz")])
            )
            let session = try await manager.create(userID: "fuzz")
            let pair = try await service.issue(for: session.id, scope: "read")
            let parts = pair.accessToken.split(separator: ".")
            let seeds = [
                pair.accessToken, pair.refreshToken.encoded, "eyJhbGciOiJub25lIiwia2lkIjoiZnV6eiJ9.\(parts[1]).",
                "\(parts[0]).\(parts[1]).", "crt_", "a.b.c",
            ]
            return Target(service: service, seeds: seeds)
        }
        switch made {
        case .success(let target): return target
        case .failure(let error): fatalError("cannot set up the fuzz target: \(error)")
        }
    }
}

let target = Target.make()

/// One input as a token: introspection must answer (never throw on a memory store, never trap),
/// and an active answer must agree with `verify` or the refresh-token rules.
func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    let service = target.service
    let outcome = blocking { () async throws -> Bool in
        let answer = try await service.introspect(text)
        if answer.active, !RefreshToken.looksLikeOne(text) {
            _ = try await service.verify(text)
        }
        return answer.active
    }
    if case .failure(let error) = outcome { fatalError("introspection threw for a fuzzed token: \(error)") }
    return 0
}

/// Writes the seeds into an empty corpus folder given as the first argument.
func writeSeeds() {
    let arguments = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("-") }
    guard let folder = arguments.first,
        (try? FileManager.default.contentsOfDirectory(atPath: folder))?.isEmpty == true
    else { return }
    for (index, seed) in target.seeds.enumerated() {
        FileManager.default.createFile(atPath: "\(folder)/seed-\(index)", contents: Data(seed.utf8))
    }
}

/// libFuzzer's driver; SwiftPM gives executables their own `main`, so the driver is started here.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

writeSeeds()
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { fuzz($0, $1) })
