import RegimenGuardReport
import Testing

/// `--since`/`--until` as journalctl reads them (systemd.time(7)).
@Suite struct TimeSpecTests {
    static let second: UInt64 = 1_000_000
    /// 2026-12-01 00:00:00 UTC.
    static let midnight: UInt64 = 1_796_083_200 * second
    /// 2026-12-01 14:30:00 UTC.
    static let now: UInt64 = midnight + (14 * 3600 + 30 * 60) * second

    static func parse(_ text: String, offset: Int = 0) throws(TimeSpec.ParseError) -> UInt64 {
        try TimeSpec.parse(text, now: now, utcOffset: { _ in offset })
    }

    static func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    let s = TimeSpecTests.second, midnight = TimeSpecTests.midnight, now = TimeSpecTests.now

    @Test func dates() throws {
        #expect(try Self.parse("2026-12-01") == midnight)
        #expect(try Self.parse("2026-12-01 08:15") == midnight + (8 * 3600 + 15 * 60) * s)
        #expect(try Self.parse("2026-12-01 08:15:42") == midnight + (8 * 3600 + 15 * 60 + 42) * s)
        #expect(try Self.parse("2026-12-01T08:15:42") == midnight + (8 * 3600 + 15 * 60 + 42) * s)
        #expect(try Self.parse("2026-12-01 08:15:42.25") == midnight + (8 * 3600 + 15 * 60 + 42) * s + 250_000)
        #expect(try Self.parse("2024-02-29") == 1_709_164_800 * s)
        #expect(try Self.parse("1970-01-01 00:00:01") == s)
    }

    @Test func localTimeUnlessUTCIsSaid() throws {
        // At UTC+1 local midnight is 23:00 UTC the day before.
        #expect(try Self.parse("2026-12-01", offset: 3600) == midnight - 3600 * s)
        #expect(try Self.parse("2026-12-01 08:00", offset: -5 * 3600) == midnight + 13 * 3600 * s)
        #expect(try Self.parse("2026-12-01 08:00 UTC", offset: 3600) == midnight + 8 * 3600 * s)
        #expect(try Self.parse("2026-12-01T08:00:00Z", offset: 3600) == midnight + 8 * 3600 * s)
        #expect(try Self.parse("2026-12-01 UTC", offset: 3600) == midnight)
    }

    @Test func theOffsetIsAskedForTheWallTimeMeant() throws {
        // A zone at +2 h until 2026-10-25 01:00 UTC, +1 h after (Central European Time leaving summer time).
        let change: Int64 = 1_792_890_000
        let zone: TimeSpec.UTCOffset = { wall in wall < change + 2 * 3600 ? 7200 : 3600 }
        let summer = try TimeSpec.parse("2026-10-24 12:00", now: Self.now, utcOffset: zone)
        let winter = try TimeSpec.parse("2026-10-26 12:00", now: Self.now, utcOffset: zone)
        #expect(summer == UInt64(1_792_836_000) * s)
        #expect(winter == UInt64(1_793_012_400) * s)
    }

    @Test func aTimeAloneIsToday() throws {
        #expect(try Self.parse("08:30") == midnight + (8 * 3600 + 30 * 60) * s)
        #expect(try Self.parse("08:30:05") == midnight + (8 * 3600 + 30 * 60 + 5) * s)
    }

    @Test func namedDays() throws {
        #expect(try Self.parse("now") == now)
        #expect(try Self.parse("today") == midnight)
        #expect(try Self.parse("yesterday") == midnight - 86_400 * s)
        #expect(try Self.parse("tomorrow") == midnight + 86_400 * s)
        // At UTC+10 it is already 2026-12-02 00:30 locally.
        #expect(try Self.parse("today", offset: 36_000) == midnight + (86_400 - 36_000) * s)
        // At UTC-15 it is still 2026-11-30 23:30 locally.
        #expect(try Self.parse("today", offset: -15 * 3600) == midnight - 86_400 * s + 15 * 3600 * s)
    }

    @Test func offsetsFromNow() throws {
        #expect(try Self.parse("-7d") == now - 7 * 86_400 * s)
        #expect(try Self.parse("+2h") == now + 2 * 3600 * s)
        #expect(try Self.parse("-30min") == now - 30 * 60 * s)
        #expect(try Self.parse("-30m") == now - 30 * 60 * s)
        #expect(try Self.parse("-1w") == now - 7 * 86_400 * s)
        #expect(try Self.parse("-15s") == now - 15 * s)
        #expect(try Self.parse("-15") == now - 15 * s)
        #expect(try Self.parse("-1h 30min") == now - 5400 * s)
        #expect(try Self.parse("-1h30min") == now - 5400 * s)
        #expect(try Self.parse("-1.5h") == now - 5400 * s)
        #expect(try Self.parse("-2 days") == now - 2 * 86_400 * s)
        #expect(try Self.parse("-3 weeks") == now - 21 * 86_400 * s)
        #expect(try Self.parse("-1month") == now - 2_629_800 * s)
        #expect(try Self.parse("-1M") == now - 2_629_800 * s)
        #expect(try Self.parse("-1y") == now - 31_557_600 * s)
        #expect(try Self.parse("-1year") == now - 31_557_600 * s)
        #expect(try Self.parse("-2hr") == now - 7200 * s)
        #expect(try Self.parse("-500ms") == now - 500_000)
        #expect(try Self.parse("-20us") == now - 20)
        #expect(try Self.parse("2h ago") == now - 7200 * s)
    }

    @Test func epochSeconds() throws {
        #expect(try Self.parse("@1796083200") == midnight)
        #expect(try Self.parse("@1796083200.5") == midnight + 500_000)
        #expect(try Self.parse("@0") == 0)
    }

    @Test func anythingElseIsRefusedSayingWhy() {
        #expect(Self.error("last tuesday")?.contains("\"last tuesday\" is not a time: use YYYY-MM-DD") == true)
        #expect(Self.error("")?.contains("an empty time") == true)
        #expect(Self.error("2026-13-01") == "\"2026-13-01\": month 13 is not 1-12")
        #expect(Self.error("2026-02-29") == "\"2026-02-29\": day 29 is not 1-28 in 2026-02")
        #expect(Self.error("2026-12-01 24:00") == "\"2026-12-01 24:00\": hour 24 is not 0-23")
        #expect(Self.error("2026-12-01 08:60") == "\"2026-12-01 08:60\": minute 60 is not 0-59")
        #expect(Self.error("2026-12-01 08:00:61") == "\"2026-12-01 08:00:61\": second 61 is not 0-59")
        #expect(Self.error("2026-1-1")?.contains("the date must be YYYY-MM-DD") == true)
        #expect(Self.error("2026-12-01 8h")?.contains("the time of day must be HH:MM or HH:MM:SS") == true)
        #expect(Self.error("-2fortnights")?.contains("unknown unit \"fortnights\"") == true)
        #expect(Self.error("-")?.contains("a number and a unit must follow the sign") == true)
        #expect(Self.error("-h")?.contains("expected a number at \"h\"") == true)
        #expect(Self.error("@soon")?.contains("after @ comes a number of seconds") == true)
        #expect(Self.error("-60y")?.contains("is before 1970-01-01") == true)
        #expect(Self.error("20261201")?.contains("is not a time") == true)
        #expect(Self.error("-999999999999y")?.contains("too large") == true)
    }

    @Test func writingDaysAndTimes() {
        #expect(TimeSpec.day(of: now, offset: 0) == "2026-12-01")
        #expect(TimeSpec.day(of: now, offset: 10 * 3600) == "2026-12-02")
        #expect(TimeSpec.day(of: midnight, offset: -3600) == "2026-11-30")
        #expect(TimeSpec.day(of: 0, offset: 0) == "1970-01-01")
        #expect(TimeSpec.iso8601(now, offset: 0) == "2026-12-01T14:30:00Z")
        #expect(TimeSpec.iso8601(now, offset: 3600) == "2026-12-01T15:30:00+01:00")
        #expect(TimeSpec.iso8601(now, offset: -(9 * 3600 + 30 * 60)) == "2026-12-01T05:00:00-09:30")
    }
}
