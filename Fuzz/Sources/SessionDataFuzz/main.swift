import Cloakroom
import Foundation

/// One input as stored session data: decoding must give data or `invalidData`, never trap; data
/// that decodes must write back as JSON that decodes to the same data (what every save and
/// resume relies on), and `JSONDecoder` must agree with the fast parser about what it read.
func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    guard let data = try? SessionData.decode(json: bytes) else { return 0 }
    guard let written = try? data.encodedJSON() else {
        fatalError("decoded session data could not be written back")
    }
    guard let again = try? SessionData.decode(json: written), again == data else {
        fatalError("session data changed on a write and read")
    }
    if let reference = try? JSONDecoder().decode([String: JSONValue].self, from: Data(bytes)),
        reference != data.values
    {
        fatalError("the parser and JSONDecoder read the same bytes differently")
    }
    return 0
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
