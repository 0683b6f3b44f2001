import Foundation

/// Judges orders against one loaded policy set. Pure: bytes and a date in, a verdict out.
public struct Validator: Sendable {
    public let policy: PolicySet

    public init(policy: PolicySet) {
        self.policy = policy
    }

    /// Validates one order file's bytes. `fileName` picks the format by extension (`.json`, `.csv`).
    public func validate(bytes: [UInt8], fileName: String, at date: Date) -> Verdict {
        invalid(fileName: fileName, bytes: bytes, errors: [OrderError(path: "", message: "not implemented yet")], at: date)
    }

    /// A verdict for an entry that could not be judged (unreadable, too large, not a regular file, ...).
    public func invalid(fileName: String, bytes: [UInt8]?, errors: [OrderError], at date: Date) -> Verdict {
        Verdict(
            orderID: nil, source: fileName, sourceSHA256: bytes.map(SHA256Hex.digest) ?? "",
            decision: .invalid, findings: [], errors: errors, policy: policy.stamp, validatedAt: date)
    }
}
