import Hummingbird

/// Finds one cookie's value in a request's `Cookie` headers without building a dictionary of
/// all of them.
enum CookieHeader {
    /// The value of the first cookie called `name`, or `nil`; surrounding quotes are removed.
    static func value(named name: String, in fields: HTTPFields) -> Substring? {
        for header in fields[values: .cookie] {
            for pair in header.split(separator: ";", omittingEmptySubsequences: true) {
                let trimmed = pair.drop { $0 == " " || $0 == "\t" }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
                var value = trimmed[trimmed.index(after: equals)...]
                while value.last == " " || value.last == "\t" { value = value.dropLast() }
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                return value
            }
        }
        return nil
    }
}
