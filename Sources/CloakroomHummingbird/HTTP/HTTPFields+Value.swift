import Hummingbird

extension HTTPFields {
    /// The value of the fields called `name`, as `self[name]` answers it: `nil` when there is
    /// none, several joined with `, ` (with `; ` for `Cookie`).
    ///
    /// A plain loop over the fields, for headers read on every request: the subscript goes
    /// through a lazy, generic sequence whose type the runtime looked up on every call, ~1 % of
    /// a `cloakroomd` resume (BENCHMARKS.md, issue 18).
    package func value(of name: HTTPFields.Element.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if let earlier = found {
                found = earlier + (name == .cookie ? "; " : ", ") + field.value
            } else {
                found = field.value
            }
        }
        return found
    }
}
