import Foundation
import NIOCore
import RESP

/// One input: the decoder must return a value, ask for more bytes or throw `RESPError` for any
/// input, split anywhere, and never trap or grow without bound.
func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let limits = RESPDecoderLimits(
        maxBulkLength: 1 << 16,
        maxElements: 1 << 12,
        maxDepth: 16,
        maxLineLength: 1 << 12,
        maxReplyLength: 1 << 18
    )
    let decoder = RESPDecoder(limits: limits)

    // The whole input at once.
    var whole = ByteBuffer(bytes: bytes)
    var wholeValues: [RESPValue] = []
    var wholeFailed = false
    do {
        while let value = try decoder.decode(&whole) { wholeValues.append(value) }
    } catch {
        wholeFailed = true
    }

    // The same input split at a point the input chooses: the same values must come out.
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    var stream = ByteBuffer(bytes: bytes[0..<cut])
    var splitValues: [RESPValue] = []
    var splitFailed = false
    do {
        while let value = try decoder.decode(&stream) { splitValues.append(value) }
        stream.writeBytes(bytes[cut...])
        while let value = try decoder.decode(&stream) { splitValues.append(value) }
    } catch {
        splitFailed = true
    }
    if !wholeFailed && !splitFailed && "\(wholeValues)" != "\(splitValues)" {
        fatalError("decoding depends on how the input is split")
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
