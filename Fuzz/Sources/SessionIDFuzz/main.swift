import Cloakroom
import CloakroomHummingbird
import Foundation
import HTTPTypes

/// One input, read two ways a request carries a session ID: as a whole `Cookie` header (the
/// session cookie found among others, then parsed as an ID) and as an ID on its own. Neither may
/// trap; an ID that parses must be the canonical spelling of its bytes, so it round-trips.
func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    check(text)
    var fields = HTTPFields()
    fields[.cookie] = text
    if let value = CookieHeader.value(named: "__Host-session", in: fields) {
        check(value)
    }
    return 0
}

func check(_ text: some StringProtocol) {
    guard let id = try? SessionID(parsing: text) else { return }
    guard id.encoded == String(text) else { fatalError("an ID parsed from a non-canonical spelling") }
    guard (try? SessionID(parsing: id.encoded))?.key == id.key else { fatalError("an ID does not round-trip") }
}

/// libFuzzer's driver; SwiftPM gives executables their own `main`, so the driver is started here.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { fuzz($0, $1) })
