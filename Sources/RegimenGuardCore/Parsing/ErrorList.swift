/// Errors collected for one order, capped: the first ``OrderLimits/maximumErrors`` are kept, the rest only counted,
/// and ``result`` ends with one "and N more errors" entry. An error's text is built only when it is kept, so a hostile
/// order with a million problems costs a million counter increments, not a million messages.
struct ErrorList {
    private(set) var kept: [OrderError] = []
    private(set) var more = 0
    let limit: Int

    init(limit: Int = OrderLimits.maximumErrors) {
        self.limit = limit
    }

    /// Errors seen, kept or not.
    var count: Int { kept.count + more }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ error: @autoclosure () -> OrderError) {
        if kept.count < limit { kept.append(error()) } else { more += 1 }
    }

    mutating func append(contentsOf errors: [OrderError]) {
        for error in errors { append(error) }
    }

    /// The kept errors, and the count of the others.
    var result: [OrderError] {
        guard more > 0 else { return kept }
        return kept + [
            OrderError(
                path: "",
                message: "and \(more) more error\(more == 1 ? "" : "s") (only the first \(limit) are listed)"
            )
        ]
    }
}
