/// A calendar day (proleptic Gregorian), stored as days since 1970-01-01.
///
/// Orders carry dates, not instants: windows, washouts and baselines are counted in whole days.
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    /// Makes a day from a valid year, month and day; nil when the date does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= Day.daysInMonth(year: year, month: month)
        else { return nil }
        daysSinceEpoch = Day.daysFromCivil(year: year, month: month, day: day)
    }

    /// Parses a strict ISO 8601 calendar date `YYYY-MM-DD`.
    public init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var components: (year: Int, month: Int, day: Int) { Day.civilFromDays(daysSinceEpoch) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + days) }

    /// Adds calendar months, clamping to the month's last day (2026-01-31 + 1 month = 2026-02-28).
    public func adding(months: Int) -> Day {
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + months
        let year = total / 12
        let month = total % 12 + 1
        let day = min(d, Day.daysInMonth(year: year, month: month))
        return Day(daysSinceEpoch: Day.daysFromCivil(year: year, month: month, day: day))
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: Day) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// An inclusive range of days; `end == nil` means open-ended (until progression).
public struct DayWindow: Sendable, Hashable, CustomStringConvertible {
    public var start: Day
    public var end: Day?

    public init(start: Day, end: Day?) {
        self.start = start
        self.end = end
    }

    /// True when the two windows share at least one day.
    public func overlaps(_ other: DayWindow) -> Bool {
        let startsBeforeOtherEnds = other.end.map { start <= $0 } ?? true
        let otherStartsBeforeThisEnds = end.map { other.start <= $0 } ?? true
        return startsBeforeOtherEnds && otherStartsBeforeThisEnds
    }

    /// The first and last shared day; the last is nil when both are open-ended.
    public func intersection(_ other: DayWindow) -> DayWindow? {
        guard overlaps(other) else { return nil }
        let lower = max(start, other.start)
        let upper: Day? =
            switch (end, other.end) {
            case (nil, nil): nil
            case (let a?, nil): a
            case (nil, let b?): b
            case (let a?, let b?): min(a, b)
            }
        return DayWindow(start: lower, end: upper)
    }

    public func contains(_ day: Day) -> Bool { day >= start && (end.map { day <= $0 } ?? true) }

    public var description: String { "\(start) to \(end.map(\.description) ?? "open-ended")" }
}
