import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Every agent of CLINICAL.md table A2 (its machine-readable form, drug_vocabulary.csv) resolves to its class by
/// generic name, brand names and ATC codes.
@Suite struct VocabularyTests {
    static let classForSpecClass: [String: String] = [
        "HER2_MAB": "HER2_MAB", "HER2_MAB_COMBO": "HER2_MAB_COMBO", "HER2_ADC": "HER2_ADC", "HER2_TKI": "HER2_TKI",
        "ANTHRACYCLINE": "ANTHRACYCLINE", "ANTHRACENEDIONE": "ANTHRACENEDIONE", "TAXANE": "TAXANE",
        "OTHER_CYTOTOXIC": "OTHER_CYTOTOXIC", "AROMATASE_INHIBITOR": "AROMATASE_INHIBITOR", "SERM": "SERM",
        "SERD": "SERD", "GNRH_AGONIST": "GNRH_AGONIST", "CDK46_INHIBITOR": "CDK46_INHIBITOR",
    ]

    /// Rows of the reference CSV: (generic, brands, atc, legacy atc, rxnorm, class).
    static let rows: [[String]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/drug_vocabulary.csv"
        )
        let text = String(decoding: FileManager.default.contents(atPath: url.path)!, as: UTF8.self)
        var rows: [[String]] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            var fields: [String] = [], field = "", quoted = false
            for character in line {
                if character == "\"" {
                    quoted.toggle()
                } else if character == "," && !quoted {
                    fields.append(field)
                    field = ""
                } else {
                    field.append(character)
                }
            }
            fields.append(field)
            rows.append(fields)
        }
        return rows
    }()

    let vocabulary = repositoryPolicy.vocabulary

    @Test func everyReferenceAgentResolvesByGenericNameAndCodes() {
        #expect(VocabularyTests.rows.count == 43)
        for row in VocabularyTests.rows {
            let expected = VocabularyTests.classForSpecClass[row[6]]
            // "leuprorelin / leuprolide", "doxorubicin (conventional)": every name before a bracket, split on '/'.
            let generic = row[0].split(separator: "(").first!.split(separator: "/").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            for name in generic {
                #expect(vocabulary.agent(named: name)?.drugClass == expected, "\(name)")
            }
            for code in [row[2], row[3]] {
                let atc = code.split(separator: " ").first.map(String.init) ?? ""
                guard atc.count == 7 else { continue }
                #expect(
                    vocabulary.agent(for: DrugCode(system: .atc, code: atc))?.drugClass == expected,
                    "ATC \(atc) for \(row[0])"
                )
            }
            let rxcui = row[4].split(separator: " ").first.map(String.init) ?? ""
            if Int(rxcui) != nil, row[1] != "Phesgo", !row[0].contains("hyaluronidase") {
                #expect(
                    vocabulary.agent(for: DrugCode(system: .rxnorm, code: rxcui))?.drugClass == expected,
                    "RxNorm \(rxcui) for \(row[0])"
                )
            }
        }
    }

    @Test func brandsAndBiosimilarsResolveToTheirIngredient() {
        let trastuzumab = [
            "Herceptin", "Ogivri", "trastuzumab-dkst", "Herzuma", "trastuzumab-pkrb", "Ontruzant", "trastuzumab-dttb",
            "Trazimera", "trastuzumab-qyyp", "Kanjinti", "trastuzumab-anns", "Hercessi", "trastuzumab-strf", "Hertraz",
            "Zuhera", "Herceptin Hylecta",
        ]
        for name in trastuzumab {
            #expect(vocabulary.agent(named: name)?.ingredients == ["trastuzumab"], "\(name)")
        }
        #expect(Set(vocabulary.agent(named: "Phesgo")?.ingredients ?? []) == ["trastuzumab", "pertuzumab"])
        #expect(vocabulary.agent(for: DrugCode(system: .atc, code: "L01FY01"))?.id == "phesgo")
        #expect(vocabulary.agent(named: "Kadcyla")?.drugClass == "HER2_ADC")
        #expect(vocabulary.agent(named: "Enhertu")?.drugClass == "HER2_ADC")
        #expect(vocabulary.agent(named: "Zoladex")?.drugClass == "GNRH_AGONIST")
        #expect(vocabulary.agent(named: "Doxil")?.drugClass == "ANTHRACYCLINE")
        #expect(vocabulary.agent(named: "Abraxane")?.drugClass == "TAXANE")
        for brand in ["Perjeta", "Arimidex", "Femara", "Aromasin", "Faslodex", "Ibrance", "Kisqali", "Verzenio"] {
            #expect(vocabulary.agent(named: brand) != nil, "\(brand)")
        }
    }

    @Test func everyNameAndCodeInThePolicyResolvesToItsOwnAgent() {
        for agent in vocabulary.agents {
            for name in agent.names {
                #expect(vocabulary.agent(named: name)?.id == agent.id, "\(name)")
                #expect(vocabulary.agent(named: "  " + name.uppercased() + " ")?.id == agent.id, "\(name) in capitals")
            }
            for code in agent.atc {
                // WHO ATC has no separate code for liposomal doxorubicin or subcutaneous trastuzumab: their codes
                // resolve to the plain agent (the same ingredients and class), and to nothing else.
                let expected = ["L01DB01": "doxorubicin", "L01FD01": "trastuzumab"][code] ?? agent.id
                #expect(
                    vocabulary.agent(for: DrugCode(system: .atc, code: code))?.id == expected,
                    "ATC \(code) of \(agent.id)"
                )
            }
            for code in agent.rxnorm {
                #expect(
                    vocabulary.agent(for: DrugCode(system: .rxnorm, code: code))?.id == agent.id,
                    "RxNorm \(code) of \(agent.id)"
                )
            }
        }
    }

    @Test func wrongLVEFCodesFromPublicSamplesAreNotAccepted() {
        #expect(vocabulary.lvefLOINC.contains("10230-1"))
        #expect(vocabulary.lvefLOINC.contains("18043-0"))
        #expect(!vocabulary.lvefLOINC.contains("10834-0"))
        #expect(!vocabulary.lvefLOINC.contains("88062-5"))
    }

    @Test func suggestionsFindCloseNames() {
        #expect(vocabulary.suggestions(for: "trastuzamab").first == "trastuzumab")
        #expect(vocabulary.suggestions(for: "docetaxol").first == "docetaxel")
        #expect(vocabulary.suggestions(for: "paracetamol").isEmpty)
    }
}
