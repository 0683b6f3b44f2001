import CSystemd
import Glibc

/// Sends structured entries to the systemd journal through `sd_journal_sendv` (the variadic `sd_journal_send` is
/// not callable from Swift).
public enum Journal {
    /// Sends one entry made of `NAME=value` fields. Values may hold any bytes, newlines included.
    /// - Returns: 0 on success (also when no journald runs: libsystemd then drops the entry), a negative errno
    ///   otherwise.
    @discardableResult
    public static func send(_ fields: [(String, String)]) -> Int32 {
        // One contiguous buffer holds every "NAME=value"; the iovecs point into it.
        var storage: [UInt8] = []
        var ranges: [Range<Int>] = []
        for (name, value) in fields {
            let start = storage.count
            storage.append(contentsOf: name.utf8)
            storage.append(UInt8(ascii: "="))
            storage.append(contentsOf: value.utf8)
            ranges.append(start..<storage.count)
        }
        return storage.withUnsafeMutableBytes { raw in
            var vectors = ranges.map { iovec(iov_base: raw.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            return sd_journal_sendv(&vectors, Int32(vectors.count))
        }
    }

    /// The journal field for a metadata key: `order_id` → `REGIMEN_GUARD_ORDER_ID`. Field names are A-Z, 0-9 and
    /// `_`; journald drops other names silently.
    public static func fieldName(for key: String) -> String {
        var name = "REGIMEN_GUARD_"
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        return name
    }
}
