import CSystemd
import Glibc

/// Reads journal entries through libsystemd's `sd_journal` API: the local journal (every journal file of this
/// machine the caller may read, as `journalctl` does), or journal directories (`journalctl -D`), such as the one
/// `systemd-journal-remote` fills from several hosts.
///
/// Only the fields asked for are read, by name; nothing else of an entry (its `MESSAGE`, say) is.
public struct JournalReader: Sendable {
    /// Where the entries are.
    public enum Source: Sendable, Equatable {
        /// The machine's journal: every journal file the caller may read (flags 0 of `sd_journal_open`).
        case local
        /// Journal directories, each read in turn (a directory's machine-id subfolders included); entries of
        /// several machines are all read.
        case directories([String])
    }

    /// A journal that could not be read.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// The directory does not exist, is not a directory, or may not be read (EX_NOINPUT, 66).
            case noInput
            /// The journal could not be opened or read (EX_IOERR, 74).
            case ioError
        }

        public var kind: Kind
        public var description: String

        public init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }
    }

    public var source: Source
    /// `_SYSTEMD_UNIT` values to match (any of them); empty: every unit. A name without a type gets `.service`.
    public var units: [String]
    /// `SYSLOG_IDENTIFIER` to match; nil: every program.
    public var identifier: String?
    /// Realtime bounds in µs, both inclusive (as `journalctl --since/--until`).
    public var since: UInt64?
    public var until: UInt64?
    /// The fields to read of each entry.
    public var fields: [String]

    public init(
        source: Source,
        units: [String] = [],
        identifier: String? = nil,
        since: UInt64? = nil,
        until: UInt64? = nil,
        fields: [String]
    ) {
        self.source = source
        self.units = units
        self.identifier = identifier
        self.since = since
        self.until = until
        self.fields = fields
    }

    /// `_SYSTEMD_UNIT` of a `--unit` value: `regimen-guard` → `regimen-guard.service`.
    public static func unitName(_ unit: String) -> String {
        let types = [
            ".service", ".socket", ".timer", ".target", ".path", ".mount", ".scope", ".slice", ".swap", ".device",
            ".automount",
        ]
        return types.contains { unit.hasSuffix($0) } ? unit : unit + ".service"
    }

    /// Calls `body` with each matching entry's realtime timestamp (µs) and the fields it has of ``fields``, in the
    /// journal's order, one source after another.
    public func read(_ body: (UInt64, [String: String]) -> Void) throws(Failure) {
        switch source {
        case .local:
            try read(opening: "the local journal", body) { journal in sd_journal_open(&journal, 0) }
        case .directories(let directories):
            for directory in directories {
                let path = try JournalReader.checkedDirectory(directory)
                try read(opening: "the journal in \(directory)", body) { journal in
                    sd_journal_open_directory(&journal, path, 0)
                }
            }
        }
    }

    /// Whether `directory` or a folder in it (a machine id's) holds a journal file (`*.journal`, `*.journal~`), as
    /// `journalctl -D` reads them; false too when it cannot be read.
    public static func hasJournalFiles(_ directory: String, depth: Int = 1) -> Bool {
        guard let handle = opendir(directory) else { return false }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if name.hasSuffix(".journal") || name.hasSuffix(".journal~") { return true }
            if depth > 0, entry.pointee.d_type == UInt8(DT_DIR) || entry.pointee.d_type == UInt8(DT_UNKNOWN),
                hasJournalFiles(directory + "/" + name, depth: depth - 1)
            {
                return true
            }
        }
        return false
    }

    /// The absolute path of a readable directory, or why not.
    static func checkedDirectory(_ directory: String) throws(Failure) -> String {
        guard let resolved = realpath(directory, nil) else {
            throw Failure(
                .noInput,
                "cannot read the journal directory \(directory): \(String(cString: strerror(errno)))"
            )
        }
        defer { free(resolved) }
        let path = String(cString: resolved)
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw Failure(.noInput, "the journal directory \(directory) is not a directory")
        }
        guard let handle = opendir(path) else {
            throw Failure(
                .noInput,
                "cannot read the journal directory \(directory): \(String(cString: strerror(errno)))"
            )
        }
        closedir(handle)
        return path
    }

    private func read(
        opening what: String,
        _ body: (UInt64, [String: String]) -> Void,
        open: (inout OpaquePointer?) -> Int32
    ) throws(Failure) {
        var handle: OpaquePointer?
        let opened = open(&handle)
        guard opened >= 0, let journal = handle else {
            throw Failure(.ioError, "cannot open \(what): \(String(cString: strerror(-opened)))")
        }
        defer { sd_journal_close(journal) }
        // Whole field values (the default stops at 64 KiB; a long list of error paths may pass that).
        _ = sd_journal_set_data_threshold(journal, 0)
        try addMatches(journal, what)
        let seek = since.map { sd_journal_seek_realtime_usec(journal, $0) } ?? sd_journal_seek_head(journal)
        guard seek >= 0 else { throw Failure(.ioError, "cannot seek in \(what): \(String(cString: strerror(-seek)))") }
        let names = fields.map { ($0, Array($0.utf8) + [UInt8(ascii: "=")]) }
        while true {
            let next = sd_journal_next(journal)
            if next == 0 { break }
            guard next > 0 else {
                throw Failure(.ioError, "cannot read \(what): \(String(cString: strerror(-next)))")
            }
            var realtime: UInt64 = 0
            guard sd_journal_get_realtime_usec(journal, &realtime) >= 0 else { continue }
            if let since, realtime < since { continue }
            if let until, realtime > until { break }
            var values: [String: String] = [:]
            for (name, prefix) in names {
                var data: UnsafeRawPointer?
                var length = 0
                guard sd_journal_get_data(journal, name, &data, &length) >= 0, let data, length >= prefix.count
                else { continue }
                let bytes = UnsafeRawBufferPointer(start: data, count: length)
                values[name] = String(decoding: bytes[prefix.count...], as: UTF8.self)
            }
            body(realtime, values)
        }
    }

    /// (unit = any of ``units``) and identifier = ``identifier``: matches on one field are ORed, on different
    /// fields ANDed.
    private func addMatches(_ journal: OpaquePointer, _ what: String) throws(Failure) {
        var matches = units.map { "_SYSTEMD_UNIT=" + JournalReader.unitName($0) }
        if let identifier { matches.append("SYSLOG_IDENTIFIER=" + identifier) }
        for match in matches {
            let result = match.withCString { sd_journal_add_match(journal, $0, 0) }
            guard result >= 0 else {
                throw Failure(.ioError, "cannot match \(match) in \(what): \(String(cString: strerror(-result)))")
            }
        }
    }
}
