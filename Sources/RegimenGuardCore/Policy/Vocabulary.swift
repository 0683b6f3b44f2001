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

/// The drug vocabulary and observation codes of a policy set.
public struct Vocabulary: Sendable {
    public private(set) var classes: [String: DrugClass]
    /// Named groups of classes that rules refer to (`her2_targeted`, `chemotherapy`, ...).
    public private(set) var groups: [String: Set<String>]
    public private(set) var agents: [Agent]

    /// The bits of a set of class ids.
    func classMask(_ ids: Set<String>) -> UInt64 { ids.reduce(0) { $0 | (classBits[$1] ?? 0) } }
    /// LOINC codes accepted as an LVEF observation.
    public private(set) var lvefLOINC: Set<String>
    /// The code tables of the FHIR mapping (stop reasons, Condition codes).
    public private(set) var fhir: FHIRTerminology

    private var byName: [String: Int] = [:]
    private var byATC: [String: Int] = [:]
    private var byRxNorm: [String: Int] = [:]

    /// One bit per class, in id order; a policy may define up to 64 classes.
    static let maximumClasses = 64
    let classBits: [String: UInt64]

    init(
        classes: [String: DrugClass], groups: [String: Set<String>], agents: [Agent], lvefLOINC: Set<String>,
        fhir: FHIRTerminology = FHIRTerminology()
    ) {
        self.classes = classes
        self.fhir = fhir
        self.groups = groups
        self.lvefLOINC = lvefLOINC
        var bits: [String: UInt64] = [:]
        for (index, id) in classes.keys.sorted().prefix(Vocabulary.maximumClasses).enumerated() { bits[id] = 1 << UInt64(index) }
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

    public func agent(named name: String) -> Agent? {
        byName[Vocabulary.key(name)].map { agents[$0] }
    }

    public func agent(for code: DrugCode) -> Agent? {
        switch code.system {
        case .atc: byATC[code.code.trimmingSpaces.uppercased()].map { agents[$0] }
        case .rxnorm: byRxNorm[code.code.trimmingSpaces].map { agents[$0] }
        }
    }

    /// Up to three known names close to `name`, for "did you mean" messages.
    public func suggestions(for name: String) -> [String] {
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
