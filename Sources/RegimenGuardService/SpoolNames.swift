import RegimenGuardCore

/// Every name the spool derives from an order's name, within a budget that does not depend on the host.
///
/// An order's *stem* is its name when that is at most ``stemLimit`` bytes, else its first bytes (cut at a
/// character boundary) plus `~` and the SHA-256 of the whole name in hex (64 digits), ``stemLimit`` bytes in all.
/// Every derived name is the stem plus a fixed-size suffix: the verdict `<stem>.verdict.json` (at most 213 bytes),
/// the archived or quarantined original `<stem>` or `<stem>.<n>`; temp files are `.tmp.<instance>.<counter>`
/// (at most 98 bytes). All fit NAME_MAX (255) on every host.
///
/// A name that ends like a shortened one (`~` and 64 lowercase hex digits) is refused, with a reason, and gets the
/// stem of a shortened name too, so no order can be given a name whose verdict would overwrite another's.
public enum SpoolNames {
    /// The longest stem, in bytes.
    public static let stemLimit = 200
    /// `~` and 64 hex digits.
    static let hashSuffixLength = 65
    public static let verdictSuffix = ".verdict.json"
    /// The FHIR form of a verdict, beside the native one (`watch --fhir-verdicts`): at most 218 bytes.
    public static let fhirVerdictSuffix = ".verdict.fhir.json"

    /// The stem every name derived from `original` starts with.
    public static func stem(of original: FileName) -> FileName {
        if original.bytes.count <= stemLimit && !looksShortened(original) { return original }
        var cut = stemLimit - hashSuffixLength
        // Do not split a UTF-8 sequence: back up over continuation bytes.
        while cut > 0 && cut < original.bytes.count && original.bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return FileName(
            bytes: Array(original.bytes.prefix(cut)) + Array("~".utf8) + Array(sha256Hex(original.bytes).utf8)
        )
    }

    /// `<stem>.verdict.json`.
    public static func verdictName(for original: FileName) -> FileName { stem(of: original).appending(verdictSuffix) }

    /// Why `original` is refused, or nil: a name ending like a shortened name could take another order's verdict.
    public static func refusal(of original: FileName) -> String? {
        guard looksShortened(original) else { return nil }
        return
            "the file name ends in '~' and 64 hex digits, the form the service gives shortened names, so its verdict "
            + "could replace another order's; rename the file"
    }

    static func looksShortened(_ name: FileName) -> Bool {
        let bytes = name.bytes
        guard bytes.count >= hashSuffixLength else { return false }
        let tail = bytes.suffix(hashSuffixLength)
        guard tail.first == UInt8(ascii: "~") else { return false }
        return tail.dropFirst().allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { SHA256Hex.digest(bytes) }
}
