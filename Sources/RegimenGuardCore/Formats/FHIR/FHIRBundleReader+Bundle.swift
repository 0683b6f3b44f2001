extension FHIRBundleReader {
    /// The resource types the mapping reads; every other type is listed in `ignored`.
    static let readTypes: Set<String> = [
        "Patient", "MedicationRequest", "MedicationAdministration", "MedicationStatement", "Medication", "Observation",
        "Condition", "AdverseEvent", "DetectedIssue",
    ]

    /// Reads a parsed Bundle into a document, or the error that it is not a Bundle at all.
    mutating func read(_ root: JSONNode) -> Result<FHIRDocument, OrderErrors> {
        guard case .object(let members) = root.kind else {
            return .failure(OrderErrors([OrderError(path: "$", message: "a FHIR order is a JSON object (a Bundle)")]))
        }
        let type = members.first { $0.key == "resourceType" }?.value
        guard let type, case .string(let name) = type.kind else {
            return .failure(OrderErrors([OrderError(path: "resourceType", message: "must be the string \"Bundle\"")]))
        }
        guard name == "Bundle" else {
            return .failure(
                OrderErrors([
                    OrderError(
                        path: "\(FHIRBundleReader.plain(name)).resourceType",
                        message:
                            "a FHIR order is a Bundle (of MedicationRequests, Observations, ...), not a \(FHIRBundleReader.plain(name)) on its own"
                    )
                ])
            )
        }
        let bundle = Element(node: root, place: FHIRPathTable.root)
        kinds[FHIRPathTable.root] = .bundle
        scan(root, at: FHIRPathTable.root, skipping: "entry")
        indexEntries(bundle)

        var order: [(String, JSONNode)] = []
        if let id = orderID(bundle) { order.append(("order_id", id)) }
        readPatient()
        let medications = readMedications()
        let facts = readFacts()
        order.append(("patient", patientNode(facts)))
        if let line = medications.line { order.append(("line_of_therapy", line)) }
        order.append(("medications", JSONNode(.array(medications.proposed), at: paths.location(FHIRPathTable.root))))
        if !medications.history.isEmpty { order.append(("history", JSONNode(.array(medications.history)))) }
        if !facts.observations.isEmpty { order.append(("observations", JSONNode(.array(facts.observations)))) }
        if !facts.adverseEvents.isEmpty { order.append(("adverse_events", JSONNode(.array(facts.adverseEvents)))) }
        if !facts.overrides.isEmpty { order.append(("overrides", JSONNode(.array(facts.overrides)))) }
        for entry in entries where !readEntries.contains(entry.index) && !listed.contains(entry.index) {
            ignore(entry.place, entry: entry.index, unreadReason(entry))
        }

        let ignored = ignoredEntries.enumerated().sorted {
            ($0.element.entry, $0.offset) < ($1.element.entry, $1.offset)
        }
        .map(\.element.item)
        return .success(
            FHIRDocument(
                tree: object(order, FHIRPathTable.root),
                paths: paths,
                kinds: kinds,
                places: places,
                ignored: ignored,
                errors: errors
            )
        )
    }

    /// A resource type as it may appear in a message: letters only, at most 64.
    static func plain(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.properties.isAlphabetic && $0.isASCII }.prefix(64).map(Character.init))
    }

    /// Why an entry nobody read is not part of the order.
    func unreadReason(_ entry: Entry) -> String {
        if entry.type == "Medication" { return "Medication not referenced by a resource the mapping reads" }
        if entry.type == "OperationOutcome" {
            return "OperationOutcome (a message from the sending server) is not read"
        }
        return FHIRBundleReader.readTypes.contains(entry.type)
            ? "\(entry.type) not read"
            : "resource type \(FHIRBundleReader.plain(entry.type)) is not read by the mapping"
    }

    /// The order id: `Bundle.identifier.value`, else `Bundle.id`.
    mutating func orderID(_ bundle: Element) -> JSONNode? {
        if let identifier = object(bundle, "identifier"), let value = string(identifier, "value") {
            return node(value.text, value.place)
        }
        if let id = string(bundle, "id") { return node(id.text, id.place) }
        return nil
    }

    /// One pass over `entry`: each resource, and its `Type/id` and `fullUrl` in the index.
    mutating func indexEntries(_ bundle: Element) {
        for element in array(bundle, "entry") {
            let position = entries.count
            guard case .object = element.node.kind else {
                fail(element.place, "must be an object (a Bundle entry), found \(element.node.typeName)")
                continue
            }
            scan(element.node, at: element.place, skipping: "resource")
            guard let resource = object(element, "resource") else {
                if !has(element, "resource") { ignore(element.place, entry: position, "entry without a resource") }
                continue
            }
            guard let type = string(resource, "resourceType") else {
                fail(resource.place, "has no resourceType")
                continue
            }
            let id = string(resource, "id")?.text
            let entry = Entry(index: position, place: element.place, resource: resource, type: type.text, id: id)
            entries.append(entry)
            if let reference = entry.reference, index[reference] == nil { index[reference] = position }
            if let url = string(element, "fullUrl")?.text, index[url] == nil { index[url] = position }
        }
    }

    /// Exactly one Patient: its id is the patient id.
    mutating func readPatient() {
        var seen: [Entry] = []
        for entry in entries where entry.type == "Patient" {
            markRead(entry)
            if let first = seen.first {
                if entry.id == nil || entry.id != first.id {
                    fail(
                        entry.place,
                        "a second Patient: one order is about one patient (the first is \(paths.render(first.place)))"
                    )
                }
                continue
            }
            seen.append(entry)
            patientEntry = entry.index
            if let id = entry.id, !id.trimmingSpaces.isEmpty {
                patientID = id
            } else {
                fail(entry.place, "the Patient has no id; its id is the order's patient id")
            }
        }
        if seen.isEmpty { fail(FHIRPathTable.root, "no Patient resource: a FHIR order needs exactly one Patient") }
    }

    /// Marks an entry as read and scans it for nulls once.
    mutating func markRead(_ entry: Entry) {
        guard readEntries.insert(entry.index).inserted else { return }
        scan(entry.resource.node, at: entry.resource.place)
    }

    /// Lists an entry in `ignored` with its reason, as not part of the order.
    mutating func skip(_ entry: Entry, _ reason: String) {
        listed.insert(entry.index)
        ignore(entry.place, entry: entry.index, reason)
    }

    mutating func patientNode(_ facts: Facts) -> JSONNode {
        let place = patientEntry.map { entries[$0].place } ?? FHIRPathTable.root
        if patientEntry != nil { kinds[place] = .patient }
        var members: [(String, JSONNode)] = []
        // A stand-in id when there is no Patient: that error is already reported at the same place.
        members.append(("id", node(patientID ?? "?", place)))
        members += facts.patient
        return object(members, place)
    }
}
