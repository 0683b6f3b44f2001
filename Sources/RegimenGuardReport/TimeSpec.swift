/// The times `--since` and `--until` take, as `journalctl` reads them (systemd.time(7)), turned into microseconds
/// since the epoch. Pure: the caller gives the present time and the reporter's time zone.
///
/// Accepted:
/// - `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS[.ffffff]` (or `T` between date and time), and
///   `HH:MM[:SS]` alone for today: local time, or UTC with a trailing ` UTC` or `Z`;
/// - `now`, `today`, `yesterday`, `tomorrow` (midnight, local time);
/// - offsets from now: `-7d`, `+2h`, `-1h 30min`, `2h ago`, with the units `us`, `ms`, `s`, `min`/`m`, `h`, `d`,
///   `w`, `M`/`month` (30.44 days) and `y` (365.25 days) and their long names;
/// - `@<seconds since the epoch>`.
public enum TimeSpec {
    /// Why a time was refused, saying what was wrong and what is accepted.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Seconds east of UTC in force at a local wall time, given as seconds since the epoch as if that wall time
    /// were UTC (`2026-12-01 00:00` local → 1_796_083_200). The CLI answers from `TimeZone.current`.
    public typealias UTCOffset = (Int64) -> Int

    static let accepted =
        "use YYYY-MM-DD [HH:MM[:SS]] (local time, or UTC with a trailing \" UTC\" or \"Z\"), HH:MM[:SS], now, "
        + "today, yesterday, tomorrow, an offset such as -7d, +2h or \"-1h 30min\", or @<seconds since the epoch>"

    /// `text` as microseconds since the epoch.
    /// - Parameters:
    ///   - now: the present time (µs since the epoch), for `now`, `today` and offsets.
    ///   - utcOffset: the reporter's time zone, for local times.
    public static func parse(_ text: String, now: UInt64, utcOffset: UTCOffset) throws(ParseError) -> UInt64 {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw ParseError("an empty time: \(accepted)") }
        let shown = "\"\(text)\""
        switch trimmed {
        case "now": return now
        case "today": return try midnight(days: 0, now: now, utcOffset: utcOffset, shown: shown)
        case "yesterday": return try midnight(days: -1, now: now, utcOffset: utcOffset, shown: shown)
        case "tomorrow": return try midnight(days: 1, now: now, utcOffset: utcOffset, shown: shown)
        default: break
        }
        if trimmed.hasPrefix("@") {
            let number = trimmed.dropFirst()
            guard let seconds = DecimalNumber(number) else {
                throw ParseError("\(shown): after @ comes a number of seconds since the epoch, such as @1796083200")
            }
            return try microseconds(seconds.micro, shown: shown)
        }
        if let first = trimmed.first, first == "-" || first == "+" {
            let span = try span(of: String(trimmed.dropFirst()).trimmingSpaces, shown: shown)
            return try microseconds(Int64(now) + (first == "-" ? -span : span), shown: shown)
        }
        if trimmed.hasSuffix(" ago") {
            let span = try span(of: String(trimmed.dropLast(4)).trimmingSpaces, shown: shown)
            return try microseconds(Int64(now) - span, shown: shown)
        }
        if let first = trimmed.first, first.isASCIIDigit {
            return try absolute(trimmed, now: now, utcOffset: utcOffset, shown: shown)
        }
        throw ParseError("\(shown) is not a time: \(accepted)")
    }

    // MARK: - Absolute times

    static func absolute(_ text: String, now: UInt64, utcOffset: UTCOffset, shown: String) throws(ParseError) -> UInt64
    {
        var rest = Substring(text)
        var utc = false
        if rest.hasSuffix(" UTC") {
            rest = rest.dropLast(4)
            utc = true
        } else if rest.hasSuffix("Z") {
            rest = rest.dropLast()
            utc = true
        }
        let date: Substring?, time: Substring?
        if let separator = rest.firstIndex(where: { $0 == " " || $0 == "T" }) {
            date = rest[..<separator]
            time = rest[rest.index(after: separator)...]
        } else if rest.contains("-") {
            date = rest
            time = nil
        } else if rest.contains(":") {
            date = nil
            time = rest
        } else {
            throw ParseError("\(shown) is not a time: \(accepted)")
        }
        var days: Int64
        if let date {
            let parts = date.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                let year = Int64(digits: parts[0]), let month = Int64(digits: parts[1]),
                let day = Int64(digits: parts[2])
            else {
                throw ParseError("\(shown): the date must be YYYY-MM-DD (\(accepted))")
            }
            guard (1...12).contains(month) else { throw ParseError("\(shown): month \(month) is not 1-12") }
            let length = daysIn(month: month, year: year)
            guard (1...length).contains(day) else {
                throw ParseError("\(shown): day \(day) is not 1-\(length) in \(parts[0])-\(parts[1])")
            }
            days = daysFromCivil(year: year, month: month, day: day)
        } else {
            // A time alone is today's.
            let wallNow = wall(ofUTC: Int64(now / 1_000_000), utcOffset: utcOffset)
            days = floorDivide(wallNow, 86_400)
        }
        var micro: Int64 = 0
        if let time {
            micro = try timeOfDay(time, shown: shown)
        }
        let wallSeconds = days * 86_400
        let offset = utc ? 0 : Int64(utcOffset(wallSeconds + micro / 1_000_000))
        return try microseconds((wallSeconds - offset) * 1_000_000 + micro, shown: shown)
    }

    /// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`, in microseconds since midnight.
    static func timeOfDay(_ text: Substring, shown: String) throws(ParseError) -> Int64 {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let format = ParseError("\(shown): the time of day must be HH:MM or HH:MM:SS (\(accepted))")
        guard (2...3).contains(parts.count), parts[0].count == 2, parts[1].count == 2,
            let hour = Int64(digits: parts[0]), let minute = Int64(digits: parts[1])
        else { throw format }
        var second: Int64 = 0, fraction: Int64 = 0
        if parts.count == 3 {
            let pieces = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces[0].count == 2, let whole = Int64(digits: pieces[0]) else { throw format }
            second = whole
            if pieces.count == 2 {
                guard (1...6).contains(pieces[1].count), let digits = Int64(digits: pieces[1]) else { throw format }
                fraction = digits * pow10(6 - pieces[1].count)
            }
        }
        guard hour < 24 else { throw ParseError("\(shown): hour \(hour) is not 0-23") }
        guard minute < 60 else { throw ParseError("\(shown): minute \(minute) is not 0-59") }
        guard second < 60 else { throw ParseError("\(shown): second \(second) is not 0-59") }
        return ((hour * 60 + minute) * 60 + second) * 1_000_000 + fraction
    }

    static func midnight(days: Int64, now: UInt64, utcOffset: UTCOffset, shown: String) throws(ParseError) -> UInt64 {
        let wallNow = wall(ofUTC: Int64(now / 1_000_000), utcOffset: utcOffset)
        let wallMidnight = (floorDivide(wallNow, 86_400) + days) * 86_400
        return try microseconds((wallMidnight - Int64(utcOffset(wallMidnight))) * 1_000_000, shown: shown)
    }

    /// The local wall time (as seconds since the epoch, as if UTC) of a UTC instant.
    static func wall(ofUTC seconds: Int64, utcOffset: UTCOffset) -> Int64 {
        // The offset is asked for by wall time; two steps settle it but across a transition's hour.
        let guess = seconds + Int64(utcOffset(seconds))
        return seconds + Int64(utcOffset(guess))
    }

    static func microseconds(_ value: Int64, shown: String) throws(ParseError) -> UInt64 {
        guard value >= 0 else { throw ParseError("\(shown) is before 1970-01-01 00:00:00 UTC") }
        return UInt64(value)
    }

    // MARK: - Time spans

    /// Microseconds per unit, as systemd.time(7) names them (`m` is a minute, `M` a month).
    static let units: [String: Int64] = {
        var units: [String: Int64] = [:]
        let second: Int64 = 1_000_000
        let names: [([String], Int64)] = [
            (["us", "usec", "µs", "μs"], 1),
            (["ms", "msec"], 1_000),
            (["s", "sec", "second", "seconds"], second),
            (["m", "min", "minute", "minutes"], 60 * second),
            (["h", "hr", "hour", "hours"], 3_600 * second),
            (["d", "day", "days"], 86_400 * second),
            (["w", "week", "weeks"], 604_800 * second),
            (["M", "month", "months"], 2_629_800 * second),
            (["y", "year", "years"], 31_557_600 * second),
        ]
        for (words, value) in names {
            for word in words { units[word] = value }
        }
        return units
    }()

    /// `7d`, `1h 30min`, `1.5h`, `90` (seconds), in microseconds.
    static func span(of text: String, shown: String) throws(ParseError) -> Int64 {
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { throw ParseError("\(shown): a number and a unit must follow the sign, such as -7d") }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCIIDigit || $0 == "." }
            guard let value = DecimalNumber(number) else {
                throw ParseError(
                    "\(shown): expected a number at \"\(rest)\" (an offset is such as -7d or \"-1h 30min\")"
                )
            }
            rest = rest.dropFirst(number.count).drop { $0 == " " }
            let unit = rest.prefix { !$0.isASCIIDigit && $0 != " " && $0 != "." }
            rest = rest.dropFirst(unit.count).drop { $0 == " " }
            let scale: Int64
            if unit.isEmpty {
                scale = 1_000_000
            } else if let known = units[String(unit)] {
                scale = known
            } else {
                throw ParseError(
                    "\(shown): unknown unit \"\(unit)\" (units: us, ms, s, min, h, d, w, M or month, y, and their long names)"
                )
            }
            let (product, overflow) = value.scaled(by: scale)
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflow, !overflowSum else { throw ParseError("\(shown): the offset is too large") }
            total = sum
        }
        return total
    }

    // MARK: - Calendar

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day count since 1970-01-01 (`civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func pow10(_ n: Int) -> Int64 { (0..<n).reduce(1) { value, _ in value * 10 } }

    // MARK: - Writing times

    /// `YYYY-MM-DD` of a realtime timestamp (µs) at `offset` seconds east of UTC.
    public static func day(of realtime: UInt64, offset: Int) -> String {
        let seconds = Int64(realtime / 1_000_000) + Int64(offset)
        let (year, month, day) = civil(fromDays: floorDivide(seconds, 86_400))
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    /// ISO 8601 with the UTC offset, to the second: `2026-12-01T14:03:00+01:00` (`Z` at UTC).
    public static func iso8601(_ realtime: UInt64, offset: Int) -> String {
        let seconds = Int64(realtime / 1_000_000) + Int64(offset)
        let of = floorDivide(seconds, 86_400)
        let inDay = seconds - of * 86_400
        let zone =
            offset == 0
            ? "Z"
            : "\(offset < 0 ? "-" : "+")\(padded(Int64(abs(offset) / 3600), 2)):\(padded(Int64(abs(offset) % 3600 / 60), 2))"
        return
            "\(day(of: realtime, offset: offset))T\(padded(inDay / 3600, 2)):\(padded(inDay % 3600 / 60, 2)):\(padded(inDay % 60, 2))\(zone)"
    }

    static func padded(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// A non-negative decimal number of at most six fraction digits, kept exactly as millionths.
fileprivate struct DecimalNumber {
    var millionths: Int64

    init?(_ text: Substring) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !text.isEmpty, let whole = parts[0].isEmpty ? 0 : Int64(digits: parts[0]) else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            guard !parts[1].isEmpty || !parts[0].isEmpty, parts[1].count <= 6 else { return nil }
            if !parts[1].isEmpty {
                guard let digits = Int64(digits: parts[1]) else { return nil }
                fraction = digits * TimeSpec.pow10(6 - parts[1].count)
            }
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        millionths = scaled + fraction
    }

    /// The number of microseconds when the number is in seconds.
    var micro: Int64 { millionths }

    /// The number times `scale` (µs per unit), truncated to a microsecond.
    func scaled(by scale: Int64) -> (Int64, Bool) {
        let whole = millionths / 1_000_000, fraction = millionths % 1_000_000
        let (a, overflowA) = whole.multipliedReportingOverflow(by: scale)
        let (b, overflowB) = fraction.multipliedReportingOverflow(by: scale)
        let (sum, overflowSum) = a.addingReportingOverflow(b / 1_000_000)
        return (sum, overflowA || overflowB || overflowSum)
    }
}

extension Int64 {
    /// ASCII digits only (no sign, no spaces).
    fileprivate init?(digits: Substring) {
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        self.init(digits)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
