/// A deterministic bound on the work one order may cost, in abstract work units.
///
/// The core has no clock, so "too slow" is counted, not timed: the decoder charges one unit per JSON node it reads
/// (each object member and array element) and the rules charge one unit per comparison they make (a pair of items, an
/// item against an observation). An order whose charges exceed the budget is judged `invalid` with a message saying
/// so, instead of stopping the service. The same bytes always cost the same units on every machine.
///
/// The standard budget, ``standardUnits`` (20,000,000), is far above what any real order costs (a typical order: under
/// 100 units to decode; an order at the item limit of ``OrderLimits/maximumItems`` 5,000 items: about 100,000 units
/// to decode) and about a second of rule work on one core at worst; a rule that compares every pair of 5,000 items
/// charges 12.5 million.
///
/// Use: create one per order, pass it `inout` through the decoder and the rules, `charge` before each unit of work
/// and stop (with a finding-free `invalid` verdict) once it returns false.
///
/// ```swift
/// var budget = WorkBudget()
/// for a in items { for b in items {
///     guard budget.charge(1) else { return .overBudget }
///     compare(a, b)
/// } }
/// ```
public struct WorkBudget: Sendable, Equatable {
    /// The default budget per order.
    public static let standardUnits = 20_000_000

    /// The units this budget started with.
    public let limit: Int
    /// The units charged so far (it may pass `limit` by the last charge).
    public private(set) var spent: Int = 0

    public init(units: Int = WorkBudget.standardUnits) {
        limit = max(0, units)
    }

    /// The units still available (0 once exhausted).
    public var remaining: Int { max(0, limit - spent) }

    /// True once a charge went over the limit; it stays true.
    public var isExhausted: Bool { spent > limit }

    /// Charges `units` (at least 0) of work. Returns true while the total is within the limit, false once it is over:
    /// the caller must then stop and report the order as over budget. Charging after exhaustion keeps returning false.
    @discardableResult
    public mutating func charge(_ units: Int = 1) -> Bool {
        let (sum, overflow) = spent.addingReportingOverflow(max(0, units))
        spent = overflow ? Int.max : sum
        return spent <= limit
    }

    /// The message an over-budget order's verdict carries.
    public var exhaustedMessage: String {
        "the order needs more than \(limit) units of work to check (a bound on the cost of one order); split it or shorten its history"
    }
}

/// Bounds on the size of one order, so that no order can cost the service unbounded memory or time. An order over a
/// bound is `invalid` with a message naming the bound.
public enum OrderLimits {
    /// Items of all kinds together: medications + history + observations + adverse_events + overrides. FHIR histories
    /// hold hundreds of administrations; 5,000 leaves room for years of weekly treatment.
    public static let maximumItems = 5_000
    /// Errors listed in one verdict; further errors are counted in one last "and N more errors" entry.
    public static let maximumErrors = 50
    /// Columns in a CSV header.
    public static let maximumCSVColumns = 64
    /// Records (rows after the header) in one CSV order: one per item.
    public static let maximumCSVRows = maximumItems
}
