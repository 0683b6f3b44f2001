/// The request's draft orders and prefetch results joined into one FHIR Bundle for the validator (CDSHOOKS.md
/// section 2).
///
/// The draft `MedicationRequest`s come first, in `draftOrders` order, each with the extension
/// `{"url": "urn:regimen-guard:proposed", "valueBoolean": true}` appended, which tells the FHIR reader that they
/// are the proposed regimen whatever their status; other draft resources follow (the reader ignores and lists
/// them), then every prefetched resource. Resources are copied byte for byte (numbers keep their spelling); a
/// prefetched resource with the same type and id as one already in the Bundle is left out (a draft wins).
struct BundleJoin: Sendable {
    /// One entry of the joined Bundle.
    struct Entry: Sendable, Equatable {
        var resourceType: String
        var id: String?
        /// Position in `context.draftOrders` for a draft MedicationRequest, else nil.
        var draftIndex: Int?

        /// `MedicationRequest/<id>`, when the resource has an id.
        var reference: String? { id.map { "\(resourceType)/\($0)" } }
    }

    /// A prefetch key that makes the request a 412, and why.
    struct Incomplete: Sendable, Equatable {
        var key: String
        var reason: String
    }

    enum Outcome: Sendable {
        case joined(bytes: [UInt8], entries: [Entry])
        case incomplete([Incomplete])
    }

    static let proposedMarker = Array(#"{"url":"urn:regimen-guard:proposed","valueBoolean":true}"#.utf8)

    /// Checks the prefetch keys; nil when every needed key is present and no key is incomplete.
    ///
    /// A needed key that is absent, and any key (needed or not) whose result is an OperationOutcome or a Bundle with
    /// a `next` link (a page is missing), is incomplete. An optional key that is absent, and any `null`, is no data.
    static func incompleteKeys(prefetch: JSONNode?) -> [Incomplete] {
        var missing: [Incomplete] = []
        for key in PrefetchKey.allCases {
            guard let value = prefetch?[key.rawValue] else {
                if key.isNeeded {
                    missing.append(Incomplete(key: key.rawValue, reason: "prefetch key \(key.rawValue) is missing"))
                }
                continue
            }
            if value.isNull { continue }
            switch value["resourceType"]?.string {
            case "OperationOutcome":
                missing.append(
                    Incomplete(
                        key: key.rawValue,
                        reason: "prefetch key \(key.rawValue) holds an OperationOutcome: the EHR could not fetch it"
                    )
                )
            case "Bundle":
                let hasNext = (value["link"]?.array ?? []).contains { $0["relation"]?.string == "next" }
                if hasNext {
                    missing.append(
                        Incomplete(
                            key: key.rawValue,
                            reason: "prefetch key \(key.rawValue) has a next link: a page is missing"
                        )
                    )
                }
            case nil:
                missing.append(
                    Incomplete(key: key.rawValue, reason: "prefetch key \(key.rawValue) is not a FHIR resource")
                )
            default:
                break
            }
        }
        return missing
    }

    /// Joins `draftOrders` (a Bundle) and `prefetch` from the request `body` into one Bundle whose identifier is
    /// `orderID`.
    static func join(body: [UInt8], orderID: String, draftOrders: JSONNode, prefetch: JSONNode?) -> Outcome {
        let incomplete = incompleteKeys(prefetch: prefetch)
        if !incomplete.isEmpty { return .incomplete(incomplete) }

        var out: [UInt8] = []
        out.reserveCapacity(body.count + 256)
        out += Array(#"{"resourceType":"Bundle","identifier":{"value":"#.utf8)
        JSONOutput.writeString(orderID, into: &out)
        out += Array(#"},"type":"collection","entry":["#.utf8)
        var entries: [Entry] = []
        var seen = Set<String>()

        func add(_ resource: JSONNode, fullUrl: JSONNode?, draftIndex: Int?, marked: Bool) {
            let type = resource["resourceType"]?.string ?? ""
            let id = resource["id"]?.string
            if let id, !seen.insert("\(type)/\(id)").inserted { return }
            if !entries.isEmpty { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            if let fullUrl, fullUrl.string != nil {
                out += Array(#""fullUrl":"#.utf8)
                out += body[fullUrl.range]
                out.append(UInt8(ascii: ","))
            }
            out += Array(#""resource":"#.utf8)
            if marked { writeMarked(resource) } else { out += body[resource.range] }
            out.append(UInt8(ascii: "}"))
            entries.append(Entry(resourceType: type, id: id, draftIndex: draftIndex))
        }

        func writeMarked(_ resource: JSONNode) {
            guard let members = resource.members else {
                out += body[resource.range]
                return
            }
            out.append(UInt8(ascii: "{"))
            var marked = false
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONOutput.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if member.key == "extension", let items = member.value.array {
                    out.append(UInt8(ascii: "["))
                    for item in items {
                        out += body[item.range]
                        out.append(UInt8(ascii: ","))
                    }
                    out += proposedMarker
                    out.append(UInt8(ascii: "]"))
                    marked = true
                } else {
                    out += body[member.value.range]
                }
            }
            if !marked, !members.contains(where: { $0.key == "extension" }) {
                if !members.isEmpty { out.append(UInt8(ascii: ",")) }
                out += Array(#""extension":["#.utf8) + proposedMarker + [UInt8(ascii: "]")]
            }
            out.append(UInt8(ascii: "}"))
        }

        let draftEntries = (draftOrders["entry"]?.array ?? []).compactMap { entry -> (JSONNode, JSONNode?)? in
            guard let resource = entry["resource"], resource.isObject else { return nil }
            return (resource, entry["fullUrl"])
        }
        for (index, (resource, fullUrl)) in draftEntries.enumerated()
        where resource["resourceType"]?.string == "MedicationRequest" {
            add(resource, fullUrl: fullUrl, draftIndex: index, marked: true)
        }
        for (resource, fullUrl) in draftEntries where resource["resourceType"]?.string != "MedicationRequest" {
            add(resource, fullUrl: fullUrl, draftIndex: nil, marked: false)
        }
        for key in PrefetchKey.allCases {
            guard let value = prefetch?[key.rawValue], !value.isNull else { continue }
            if value["resourceType"]?.string == "Bundle" {
                for entry in value["entry"]?.array ?? [] {
                    guard let resource = entry["resource"], resource.isObject else { continue }
                    add(resource, fullUrl: entry["fullUrl"], draftIndex: nil, marked: false)
                }
            } else {
                add(value, fullUrl: nil, draftIndex: nil, marked: false)
            }
        }
        out += Array("]}".utf8)
        return .joined(bytes: out, entries: entries)
    }
}
