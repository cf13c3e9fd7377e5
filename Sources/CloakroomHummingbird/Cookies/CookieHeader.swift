import Hummingbird

/// Finds one cookie's value in a request's `Cookie` headers without building a dictionary of
/// all of them, and without allocating for the cookies it skips.
enum CookieHeader {
    /// The value of the first cookie called `name`, or `nil`; surrounding quotes are removed.
    static func value(named name: String, in fields: HTTPFields) -> Substring? {
        let nameBytes = name.utf8
        for header in fields[values: .cookie] {
            let bytes = header.utf8
            var start = bytes.startIndex
            while start < bytes.endIndex {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
                var pairStart = start
                while pairStart < end, bytes[pairStart] == UInt8(ascii: " ") || bytes[pairStart] == UInt8(ascii: "\t") {
                    pairStart = bytes.index(after: pairStart)
                }
                if let equals = bytes[pairStart..<end].firstIndex(of: UInt8(ascii: "=")),
                    bytes[pairStart..<equals].elementsEqual(nameBytes)
                {
                    var value = header[bytes.index(after: equals)..<end]
                    while value.last == " " || value.last == "\t" { value = value.dropLast() }
                    if value.count >= 2, value.first == "\"", value.last == "\"" {
                        value = value.dropFirst().dropLast()
                    }
                    return value
                }
                start = end < bytes.endIndex ? bytes.index(after: end) : end
            }
        }
        return nil
    }
}
