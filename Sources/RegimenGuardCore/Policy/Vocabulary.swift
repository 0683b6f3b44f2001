import Yams

/// A drug class of the vocabulary (table A1 of the clinical reference), e.g. `HER2_MAB`, `TAXANE`.
public struct DrugClass: Sendable, Equatable {
    public var id: String
    public var title: String
}

/// One agent: a generic drug with its brands, biosimilar names and codes.
public struct Agent: Sendable, Equatable {
    /// Stable id, e.g. `trastuzumab`, `phesgo`, `t-dm1`.
    public var id: String
    /// Display name (generic).
    public var name: String
    /// Class id.
    public var drugClass: String
    /// Ingredient ids; a combination product lists several (Phesgo: trastuzumab and pertuzumab).
    public var ingredients: [String]
    /// Every accepted name: generic, brands, biosimilar names, abbreviations.
    public var names: [String]
    /// ATC codes, current and pre-2022.
    public var atc: [String]
    /// RxNorm ingredient RxCUIs.
    public var rxnorm: [String]
    /// This agent's class as one bit (see ``Vocabulary/classBits``), set when the vocabulary is built.
    var classBit: UInt64 = 0
}

/// One observation type of the policy's table (`observations:` in the vocabulary): its codes, canonical unit, the
/// other units it accepts with their factors to the canonical unit, and the plausible range of a value in the
/// canonical unit. The decoder works from this table; nothing about a type is a Swift constant.
public struct ObservationType: Sendable, Equatable {
    /// `lvef`, `weight`, `height`, `bsa`.
    public var id: String
    /// What it is called in messages: `LVEF`, `weight`.
    public var title: String
    /// LOINC codes that mean this type.
    public var loinc: [String]
    /// The canonical unit, spelled as the contract spells it: `%`, `kg`, `cm`, `m2`.
    public var unit: String
    /// Other accepted units and the factor that converts a value in them to the canonical unit (`lb`: 0.45359237).
    public var conversions: [(unit: String, factor: Double)]
    /// Plausible values in the canonical unit: above (or at least) `minimum`, at most `maximum`.
    public var minimum: Double
    /// True when the minimum itself is excluded (LVEF: more than 1).
    public var minimumExclusive: Bool
    public var maximum: Double
    /// A value at or below this looks like a fraction where a percentage is expected (LVEF: 1), and says so.
    public var fractionAtMost: Double?

    public init(
        id: String,
        title: String,
        loinc: [String],
        unit: String,
        conversions: [(unit: String, factor: Double)] = [],
        minimum: Double,
        minimumExclusive: Bool = false,
        maximum: Double,
        fractionAtMost: Double? = nil
    ) {
        self.id = id
        self.title = title
        self.loinc = loinc
        self.unit = unit
        self.conversions = conversions
        self.minimum = minimum
        self.minimumExclusive = minimumExclusive
        self.maximum = maximum
        self.fractionAtMost = fractionAtMost
    }

    /// The factor to the canonical unit for `unit` as given (exact spelling), or nil when it is not accepted.
    public func factor(for unit: String) -> Double? {
        if unit == self.unit { return 1 }
        return conversions.first { $0.unit == unit }?.factor
    }

    /// Every accepted unit, canonical first.
    public var units: [String] { [unit] + conversions.map(\.unit) }

    /// True when `value` (canonical unit) is plausible.
    public func isPlausible(_ value: Double) -> Bool {
        (minimumExclusive ? value > minimum : value >= minimum) && value <= maximum
    }

    public static func == (lhs: ObservationType, rhs: ObservationType) -> Bool {
        lhs.id == rhs.id && lhs.title == rhs.title && lhs.loinc == rhs.loinc && lhs.unit == rhs.unit
            && lhs.conversions.map(\.unit) == rhs.conversions.map(\.unit)
            && lhs.conversions.map(\.factor) == rhs.conversions.map(\.factor) && lhs.minimum == rhs.minimum
            && lhs.minimumExclusive == rhs.minimumExclusive && lhs.maximum == rhs.maximum
            && lhs.fractionAtMost == rhs.fractionAtMost
    }
}

/// The drug vocabulary and observation codes of a policy set.
public struct Vocabulary: Sendable {
    public private(set) var classes: [String: DrugClass]
    /// Named groups of classes that rules refer to (`her2_targeted`, `chemotherapy`, ...).
    public private(set) var groups: [String: Set<String>]
    public private(set) var agents: [Agent]

    /// The bits of a set of class ids.
    func classMask(_ ids: Set<String>) -> UInt64 { ids.reduce(0) { $0 | (classBits[$1] ?? 0) } }
    /// The observation types, in the policy's order.
    public private(set) var observationTypes: [ObservationType]
    /// LOINC codes accepted as an LVEF observation (the `lvef` type's codes).
    public var lvefLOINC: Set<String> { Set(observationType(id: "lvef")?.loinc ?? []) }

    /// The observation type with this id (a linear search: the table is a handful of rows).
    public func observationType(id: String) -> ObservationType? { observationTypes.first { $0.id == id } }

    /// The observation type a LOINC code belongs to.
    public func observationType(loinc: String) -> ObservationType? {
        observationTypes.first { $0.loinc.contains(loinc) }
    }
    /// The code tables of the FHIR mapping (stop reasons, Condition codes).
    public private(set) var fhir: FHIRTerminology

    private var byName: [String: Int] = [:]
    private var byATC: [String: Int] = [:]
    private var byRxNorm: [String: Int] = [:]

    /// One bit per class, in id order; a policy may define up to 64 classes.
    static let maximumClasses = 64
    let classBits: [String: UInt64]

    init(
        classes: [String: DrugClass],
        groups: [String: Set<String>],
        agents: [Agent],
        observationTypes: [ObservationType],
        fhir: FHIRTerminology = FHIRTerminology()
    ) {
        self.classes = classes
        self.fhir = fhir
        self.groups = groups
        self.observationTypes = observationTypes
        var bits: [String: UInt64] = [:]
        for (index, id) in classes.keys.sorted().prefix(Vocabulary.maximumClasses).enumerated() {
            bits[id] = 1 << UInt64(index)
        }
        classBits = bits
        self.agents = agents.map { agent in
            var agent = agent
            agent.classBit = bits[agent.drugClass] ?? 0
            return agent
        }
        for (index, agent) in self.agents.enumerated() {
            for name in agent.names + [agent.id, agent.name] where byName[Vocabulary.key(name)] == nil {
                byName[Vocabulary.key(name)] = index
            }
            // The first agent listed for a code wins: ATC L01DB01 is conventional doxorubicin, which the liposomal
            // forms share; L01FD01 is trastuzumab, which Herceptin Hylecta shares. Same class and ingredient.
            for code in agent.atc where byATC[code.uppercased()] == nil { byATC[code.uppercased()] = index }
            for code in agent.rxnorm where byRxNorm[code] == nil { byRxNorm[code] = index }
        }
    }

    /// The lookup key of a name: letters and digits only, lower-cased, so that case, spaces, hyphens and
    /// trademark signs do not matter (`T-DM1`, `t dm1`, `TDM1`; `Herceptin®`).
    static func key(_ name: String) -> String {
        // ASCII, the usual case, straight from the bytes.
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(name.utf8.count)
            for byte in name.utf8 {
                switch byte {
                case 0x41...0x5A: bytes.append(byte + 0x20)
                case 0x61...0x7A, 0x30...0x39: bytes.append(byte)
                default: break
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = ""
        for character in name.lowercased() where character.isLetter || character.isNumber {
            out.append(character)
        }
        return out
    }

    /// Duplicate lookup keys across agents (two agents claiming one name or code); used when loading.
    static func conflicts(in agents: [Agent]) -> [String] {
        var owner: [String: String] = [:]
        var problems: [String] = []
        for agent in agents {
            for name in Set((agent.names + [agent.id, agent.name]).map(key)) {
                if let other = owner[name], other != agent.id {
                    problems.append("name '\(name)' belongs to both \(other) and \(agent.id)")
                }
                owner[name] = agent.id
            }
        }
        return problems
    }

    /// The agent a drug name resolves to. A name holding a C0 or C1 control character or DEL (`trastu\r\nzumab`)
    /// resolves to nothing, wherever the character is: it is an unknown drug.
    public func agent(named name: String) -> Agent? {
        if Vocabulary.containsControlCharacter(name) { return nil }
        return byName[Vocabulary.key(name)].map { agents[$0] }
    }

    /// True when `text` holds a C0 control character (U+0000-U+001F), DEL (U+007F) or a C1 control character
    /// (U+0080-U+009F). Checked on scalars, not `Character`s (CR LF is one `Character`).
    static func containsControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    public func agent(for code: DrugCode) -> Agent? {
        switch code.system {
        case .atc: byATC[code.code.trimmingSpaces.uppercased()].map { agents[$0] }
        case .rxnorm: byRxNorm[code.code.trimmingSpaces].map { agents[$0] }
        }
    }

    /// Up to three known names close to `name`, for "did you mean" messages.
    public func suggestions(for name: String) -> [String] {
        // No name in a vocabulary is anywhere near 128 bytes: a longer one gets no suggestion (and costs nothing).
        guard name.utf8.count <= 128, !Vocabulary.containsControlCharacter(name) else { return [] }
        let wanted = Vocabulary.key(name)
        guard !wanted.isEmpty else { return [] }
        let limit = max(2, wanted.count / 4)
        var scored: [(distance: Int, name: String)] = []
        for agent in agents {
            var best: (Int, String)?
            for candidate in agent.names + [agent.name] {
                let distance = Vocabulary.editDistance(wanted, Vocabulary.key(candidate), limit: limit)
                if distance <= limit, best.map({ distance < $0.0 }) ?? true { best = (distance, candidate) }
            }
            if let best { scored.append((best.0, best.1)) }
        }
        return scored.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }.prefix(3).map(\.name)
    }

    /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : (b.isEmpty ? a.count : previous[b.count])
    }
}

extension Vocabulary {
    /// Reads the `observations:` table of a policy file: one entry per type,
    ///
    /// ```yaml
    /// weight:
    ///   title: weight                     # optional, for messages (default: the id)
    ///   loinc: ["29463-7"]                # codes that mean this type (at least one)
    ///   unit: kg                          # the canonical unit, spelled as orders must spell it
    ///   convert: {lb: 0.45359237}         # optional: other accepted units, factor to the canonical unit
    ///   range: {at_least: 1, at_most: 400}  # plausible values in the canonical unit (`above:` excludes the bound)
    ///   fraction_at_most: 1               # optional: a value at or below this is reported as looking like a fraction
    /// ```
    ///
    /// Every problem is reported through `reader` (a malformed table is a policy error).
    static func readObservationTypes(_ node: Node, _ reader: inout YAMLReader) -> [ObservationType] {
        var types: [ObservationType] = []
        var codeOwner: [String: String] = [:]
        let entries = reader.entries(node, "observations")
        if entries.isEmpty, node.mapping != nil { reader.fail(node, "observations", "lists no observation types") }
        for (id, entry) in entries {
            let path = "observations.\(id)"
            guard id.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }) else {
                reader.fail(entry, path, "an observation type id is lower-case letters, digits and '_'")
                continue
            }
            guard
                let f = reader.mapping(
                    entry,
                    path,
                    allowed: ["title", "loinc", "unit", "convert", "range", "fraction_at_most"],
                    required: ["loinc", "unit", "range"]
                )
            else { continue }
            let before = reader.issues.count
            let loinc = reader.strings(f, "loinc", path) ?? []
            if f["loinc"] != nil, loinc.isEmpty {
                reader.fail(f["loinc"], "\(path).loinc", "must list at least one code")
            }
            for code in loinc {
                if let other = codeOwner[code] {
                    reader.fail(f["loinc"], "\(path).loinc", "LOINC \(code) is already a code of \(other)")
                }
                codeOwner[code] = id
            }
            let unit = reader.string(f, "unit", path)
            var conversions: [(unit: String, factor: Double)] = []
            if let convert = f["convert"] {
                for (other, factorNode) in reader.entries(convert, "\(path).convert") {
                    guard let factor = number(factorNode), factor > 0, factor.isFinite else {
                        reader.fail(
                            factorNode,
                            "\(path).convert.\(other)",
                            "must be a number above 0 (the factor to \(unit ?? "the unit"))"
                        )
                        continue
                    }
                    if other == unit || conversions.contains(where: { $0.unit == other }) {
                        reader.fail(factorNode, "\(path).convert.\(other)", "unit \(other) is given twice")
                        continue
                    }
                    conversions.append((other, factor))
                }
            }
            var minimum: Double?, maximum: Double?, exclusive = false
            if let range = f["range"],
                let r = reader.mapping(
                    range,
                    "\(path).range",
                    allowed: ["above", "at_least", "at_most"],
                    required: ["at_most"]
                )
            {
                func bound(_ key: String) -> Double? {
                    guard let node = r[key] else { return nil }
                    guard let value = number(node), value.isFinite else {
                        reader.fail(node, "\(path).range.\(key)", "must be a number")
                        return nil
                    }
                    return value
                }
                let above = bound("above"), atLeast = bound("at_least")
                maximum = bound("at_most")
                if r["above"] != nil && r["at_least"] != nil {
                    reader.fail(range, "\(path).range", "give above or at_least, not both")
                } else if r["above"] == nil && r["at_least"] == nil {
                    reader.fail(range, "\(path).range", "needs a lower bound: above or at_least")
                }
                minimum = above ?? atLeast
                exclusive = above != nil
                if let minimum, let maximum, minimum >= maximum {
                    reader.fail(range, "\(path).range", "the lower bound must be below at_most")
                }
            }
            var fraction: Double?
            if let node = f["fraction_at_most"] {
                fraction = number(node)
                if fraction == nil { reader.fail(node, "\(path).fraction_at_most", "must be a number") }
            }
            let title = reader.string(f, "title", path) ?? id
            guard reader.issues.count == before, let unit, let minimum, let maximum else { continue }
            types.append(
                ObservationType(
                    id: id,
                    title: title,
                    loinc: loinc,
                    unit: unit,
                    conversions: conversions,
                    minimum: minimum,
                    minimumExclusive: exclusive,
                    maximum: maximum,
                    fractionAtMost: fraction
                )
            )
        }
        return types
    }

    private static func number(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        return Double(scalar.string)
    }
}
