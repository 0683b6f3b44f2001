/// An input format: reads an order file's bytes into the order tree (the shape of the native JSON order, ORDERS.md
/// section 2) that ``OrderDecoder`` reads, and describes places in what it read.
///
/// A new format is a folder under `Formats/` with one type conforming to this protocol, and one line in
/// ``OrderFormats/standard``. The decoder knows no format, and no format knows another: the registry asks the
/// formats in order and the first that recognises a file reads it.
public protocol OrderFormat: Sendable {
    /// The verdict's `source_format`: `json`, `csv`, `fhir`.
    var name: String { get }

    /// Whether this format reads a file with this name and content. Called in registry order; it must be cheap and
    /// must not fail (a file this format recognises but cannot read is read, and its errors reported).
    func recognizes(fileName: String, content: ArraySlice<UInt8>) -> Bool

    /// Reads UTF-8 bytes (already checked, byte order mark removed) into an order document, or the errors that
    /// stop it from being one.
    func read(_ bytes: ArraySlice<UInt8>) -> Result<any OrderDocument, OrderErrors>

    /// Reads with the policy's vocabulary at hand, for formats whose mapping needs it (FHIR: which of several
    /// codings decides the drug, the stop-reason table). The default ignores the vocabulary.
    func read(_ bytes: ArraySlice<UInt8>, vocabulary: Vocabulary) -> Result<any OrderDocument, OrderErrors>
}

extension OrderFormat {
    public func read(_ bytes: ArraySlice<UInt8>, vocabulary: Vocabulary) -> Result<any OrderDocument, OrderErrors> {
        read(bytes)
    }
}

/// What a format read: the order tree, and how to describe places in it in the format's own terms.
public protocol OrderDocument: Sendable {
    /// The order tree the decoder reads.
    var tree: JSONNode { get }

    /// An error about a value the decoder read. `location` is the node's (``SourceLocation/none`` when the value is
    /// missing or synthesised); `path` is the native JSON path of the field (`medications[0].start`).
    func error(at location: SourceLocation, path: String, message: String) -> OrderError

    /// Where evidence about the item at a native path (`medications[0]`) points in this document, and the resource
    /// it names, if any (FHIR: `Bundle.entry[3]`, `MedicationRequest/mr-1`).
    func evidencePlace(forItemAt path: String) -> EvidencePlace

    /// What the document holds that the format did not read, each with a reason (FHIR.md section 1).
    var ignored: [IgnoredEntry] { get }

    /// Errors the format found while mapping the file onto the tree (FHIR: two patients, a bad `periodUnit`). The
    /// tree is still decoded and its errors reported too, except one at a place the format already reported.
    var errors: [OrderError] { get }
}

/// Several order errors, as one thrown or returned value.
public struct OrderErrors: Error, Sendable {
    public var errors: [OrderError]
    public init(_ errors: [OrderError]) { self.errors = errors }
}

/// A place evidence points at: a path, and for formats whose resources have ids, a reference.
public struct EvidencePlace: Sendable, Equatable {
    public var path: String
    public var reference: String?

    public init(path: String, reference: String? = nil) {
        self.path = path
        self.reference = reference
    }
}

extension OrderDocument {
    public func error(at location: SourceLocation, path: String, message: String) -> OrderError {
        OrderError(path: path, message: message)
    }

    public func evidencePlace(forItemAt path: String) -> EvidencePlace { EvidencePlace(path: path) }

    public var ignored: [IgnoredEntry] { [] }

    public var errors: [OrderError] { [] }
}

/// The formats an order file may have.
public enum OrderFormats {
    /// Every format this build reads, in the order they are asked. A format recognised by content comes before one
    /// recognised by name alone (a FHIR Bundle is also a `.json` file).
    public static let standard: [any OrderFormat] = [
        FHIRBundleFormat(),
        JSONOrderFormat(),
        CSVOrderFormat(),
    ]

    /// What the file names of the standard formats end in, for messages.
    static let expectedNames = ".json or .csv"

    /// The first of `formats` that recognises the file.
    static func format(
        for fileName: String,
        content: ArraySlice<UInt8>,
        in formats: [any OrderFormat]
    ) -> (any OrderFormat)? {
        formats.first { $0.recognizes(fileName: fileName, content: content) }
    }
}

extension String {
    /// True when the name ends in `suffix`, ignoring ASCII case (`RX-7.JSON`).
    func hasSuffixIgnoringCase(_ suffix: String) -> Bool {
        let name = Array(utf8), tail = Array(suffix.utf8)
        guard name.count >= tail.count else { return false }
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        return zip(name[(name.count - tail.count)...], tail).allSatisfy { lower($0) == lower($1) }
    }
}
