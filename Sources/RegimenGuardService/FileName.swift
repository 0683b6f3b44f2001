/// A directory entry's name as raw bytes: a spool may hold names that are not UTF-8, and such a file must still be
/// renamed by its exact name.
public struct FileName: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// The name as text; invalid UTF-8 shows as U+FFFD. For messages and the verdict's `source`, never for paths.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    public var isValidUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    /// Names the service leaves alone: dotfiles (including its own claims and temp files), `*.tmp`, `*.part`.
    public var isIgnored: Bool {
        bytes.first == UInt8(ascii: ".") || bytes.isEmpty || hasSuffix(".tmp") || hasSuffix(".part")
    }

    public func hasSuffix(_ suffix: String) -> Bool {
        bytes.count >= suffix.utf8.count && bytes.suffix(suffix.utf8.count).elementsEqual(suffix.utf8)
    }

    public func hasPrefix(_ prefix: String) -> Bool { bytes.starts(with: prefix.utf8) }

    public func appending(_ suffix: String) -> FileName { FileName(bytes: bytes + Array(suffix.utf8)) }

    /// Calls `body` with the name as a NUL-terminated C string.
    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
