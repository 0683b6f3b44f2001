import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// The order contract version 2 inputs (ORDERS.md sections 2, 3 and 9), strictly, in JSON and in CSV alike.
@Suite struct OrderV2InputTests {
    /// The contract's section 2 example (dates moved so that the LVEF is a baseline).
    static let example = """
        {
          "order_id": "RX-2026-000123",
          "submitted_at": "2026-11-20T09:30:00Z",
          "patient": {"id": "MRN-0042", "menopausal_status": "postmenopausal", "her2_status": "positive",
                      "hr_status": "positive", "disease_setting": "metastatic", "metastatic_since": "2026-10-30"},
          "line_of_therapy": 1,
          "medications": [
            {"drug": "trastuzumab", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21,
             "loading_dose": {"value": 8, "unit": "mg/kg"}, "dose": {"value": 6, "unit": "mg/kg"}},
            {"drug": "Perjeta", "start": "2026-12-01"},
            {"drug": "docetaxel", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21, "phase": "induction",
             "doses_per_cycle": 1, "dose": {"value": 75, "unit": "mg/m2"}}
          ],
          "history": [
            {"drug": "doxorubicin", "start": "2019-01-10", "end": "2019-03-14", "stop_reason": "completed",
             "setting": "early", "cumulative_dose": {"value": 240, "unit": "mg/m2"}}
          ],
          "observations": [
            {"type": "lvef", "loinc": "10230-1", "value": 61, "unit": "%", "date": "2026-11-18"},
            {"type": "weight", "value": 68.5, "unit": "kg", "date": "2026-11-28"},
            {"type": "height", "value": 165, "unit": "cm", "date": "2026-11-28"}
          ],
          "adverse_events": [
            {"event": "ild", "grade": 1, "date": "2025-06-02", "drug": "trastuzumab deruxtecan"}
          ]
        }
        """

    func read(_ json: String) -> Result<Order, OrderErrors> {
        validator.readOrder(bytes: Array(json.utf8), fileName: "order.json")
    }

    func order(_ json: String) throws -> Order {
        switch read(json) {
        case .success(let order): return order
        case .failure(let failure):
            Issue.record("invalid: \(failure.errors.map(\.description))")
            throw failure
        }
    }

    /// The example with `old` replaced by `new` (which must occur).
    func edited(_ old: String, _ new: String, in base: String = example) -> String {
        #expect(base.contains(old), "\(old)")
        return base.replacingOccurrences(of: old, with: new)
    }

    /// The JSON order and its CSV twin get the same verdict; returns the JSON verdict.
    @discardableResult
    func sameVerdictAsCSV(_ json: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Verdict {
        let fromJSON = judge(json, as: "RX.json")
        let fromCSV = judge(try CSVConversion.csv(from: Array(json.utf8)), as: "RX.csv")
        #expect(fromJSON.decision == fromCSV.decision, sourceLocation: sourceLocation)
        #expect(fromJSON.findings == fromCSV.findings, sourceLocation: sourceLocation)
        #expect(fromJSON.orderID == fromCSV.orderID, sourceLocation: sourceLocation)
        return fromJSON
    }

    /// The JSON order is invalid at exactly `path` (with `message` in the error), and its CSV twin is invalid with an
    /// error at a line and column whose message starts with `column`.
    func invalidInBoth(
        _ json: String,
        at path: String,
        column: String,
        saying message: String? = nil,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let fromJSON = judge(json, as: "RX.json")
        #expect(fromJSON.decision == .invalid, sourceLocation: sourceLocation)
        #expect(fromJSON.errors.map(\.path) == [path], "\(fromJSON.errors)", sourceLocation: sourceLocation)
        if let message {
            #expect(
                fromJSON.errors.first?.message.contains(message) == true,
                "\(fromJSON.errors)",
                sourceLocation: sourceLocation
            )
        }
        let fromCSV = judge(try CSVConversion.csv(from: Array(json.utf8)), as: "RX.csv")
        #expect(fromCSV.decision == .invalid, sourceLocation: sourceLocation)
        #expect(fromCSV.errors.count == 1, "\(fromCSV.errors)", sourceLocation: sourceLocation)
        let error = fromCSV.errors.first
        #expect(error?.path.hasPrefix("line ") == true, "\(fromCSV.errors)", sourceLocation: sourceLocation)
        #expect(error?.message.hasPrefix("\(column): ") == true, "\(fromCSV.errors)", sourceLocation: sourceLocation)
        if let message {
            #expect(error?.message.contains(message) == true, "\(fromCSV.errors)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Every field is read

    @Test func theContractExampleIsReadIntoTheModel() throws {
        let verdict = try sameVerdictAsCSV(Self.example)
        #expect(verdict.decision != .invalid)
        let order = try order(Self.example)
        #expect(order.patient.metastaticSince == Day(iso: "2026-10-30"))
        let trastuzumab = order.medications[0]
        #expect(trastuzumab.loadingDose == Dose(value: 8, unit: .mgPerKg))
        #expect(trastuzumab.dose == Dose(value: 6, unit: .mgPerKg))
        #expect(trastuzumab.dosesPerCycle == 1)
        #expect(trastuzumab.administrations == 6)
        #expect(order.medications[1].administrations == nil)
        #expect(order.medications[2].dose == Dose(value: 75, unit: .mgPerM2))
        let doxorubicin = order.history[0]
        #expect(doxorubicin.setting == .early)
        #expect(doxorubicin.cumulativeDose == Dose(value: 240, unit: .mgPerM2))
        #expect(order.observations.map(\.type) == ["lvef", "weight", "height"])
        #expect(order.observations.map(\.value) == [61, 68.5, 165])
        #expect(order.observations.map(\.unit) == ["%", "kg", "cm"])
        #expect(order.adverseEvents.count == 1)
        let event = try #require(order.adverseEvents.first)
        #expect(event.event == .ild && event.grade == 1 && event.date == Day(iso: "2025-06-02"))
        #expect(event.agent?.id == "t-dxd")
        #expect(event.path == "adverse_events[0]")
    }

    @Test func newEnumValuesAreAccepted() throws {
        let peri = edited("\"postmenopausal\"", "\"perimenopausal\"")
        #expect(try order(peri).patient.menopausalStatus == .perimenopausal)
        try sameVerdictAsCSV(peri)
        let ultralow = edited("\"her2_status\": \"positive\"", "\"her2_status\": \"ultralow\"")
        #expect(try order(ultralow).patient.her2Status == .ultralow)
        try sameVerdictAsCSV(ultralow)
        try invalidInBoth(
            edited("\"postmenopausal\"", "\"menopausal\""),
            at: "patient.menopausal_status",
            column: "menopausal_status",
            saying: "perimenopausal"
        )
        let metastatic = edited("\"setting\": \"early\"", "\"setting\": \"metastatic\"")
        #expect(try order(metastatic).history[0].setting == .metastatic)
        try sameVerdictAsCSV(metastatic)
    }

    @Test func dosesPerCycleGiveTheAdministrations() throws {
        let weekly = edited("\"doses_per_cycle\": 1", "\"doses_per_cycle\": 3")
        #expect(try order(weekly).medications[2].administrations == 18)
        try sameVerdictAsCSV(weekly)
        for bad in ["0", "2.5", "-1", "101"] {
            try invalidInBoth(
                edited("\"doses_per_cycle\": 1", "\"doses_per_cycle\": \(bad)"),
                at: "medications[2].doses_per_cycle",
                column: "doses_per_cycle"
            )
        }
        // JSON only (a CSV cell that reads as a number is a number).
        #expect(
            judge(edited("\"doses_per_cycle\": 1", "\"doses_per_cycle\": \"3\"")).errors.map(\.path) == [
                "medications[2].doses_per_cycle"
            ]
        )
    }

    @Test func metastaticSinceIsADate() throws {
        try invalidInBoth(
            edited("\"2026-10-30\"", "\"2026-02-30\""),
            at: "patient.metastatic_since",
            column: "metastatic_since",
            saying: "calendar date"
        )
        let without = edited(", \"metastatic_since\": \"2026-10-30\"", "")
        #expect(try order(without).patient.metastaticSince == nil)
    }

    // MARK: - Doses

    @Test func doseUnitsAreSpelledAsTheContractSpellsThem() throws {
        for unit in ["mg/m²", "MG/M2", "mg/M2", "mg per m2", "mg/kg/day", "g"] {
            try invalidInBoth(
                edited("\"value\": 75, \"unit\": \"mg/m2\"", "\"value\": 75, \"unit\": \"\(unit)\""),
                at: "medications[2].dose.unit",
                column: "dose_unit",
                saying: "spelled exactly"
            )
        }
        let inMg = edited("\"value\": 75, \"unit\": \"mg/m2\"", "\"value\": 130, \"unit\": \"mg\"")
        #expect(try order(inMg).medications[2].dose == Dose(value: 130, unit: .mg))
        try sameVerdictAsCSV(inMg)
    }

    @Test func doseValuesAreNumbersAboveZero() throws {
        for bad in ["0", "-6", "0.0", "\"six\""] {
            try invalidInBoth(
                edited("{\"value\": 6, \"unit\": \"mg/kg\"}", "{\"value\": \(bad), \"unit\": \"mg/kg\"}"),
                at: "medications[0].dose.value",
                column: "dose"
            )
        }
        try invalidInBoth(
            edited("\"loading_dose\": {\"value\": 8, \"unit\": \"mg/kg\"}", "\"loading_dose\": {\"value\": 8}"),
            at: "medications[0].loading_dose.unit",
            column: "loading_dose_unit",
            saying: "is required"
        )
        try invalidInBoth(
            edited("\"loading_dose\": {\"value\": 8, \"unit\": \"mg/kg\"}", "\"loading_dose\": {\"unit\": \"mg/kg\"}"),
            at: "medications[0].loading_dose.value",
            column: "loading_dose",
            saying: "is required"
        )
        // JSON only: the dose object's own shape.
        #expect(
            Set(
                judge(
                    edited(
                        "{\"value\": 6, \"unit\": \"mg/kg\"}",
                        "{\"value\": 6, \"unit\": \"mg/kg\", \"per\": \"week\"}"
                    )
                ).errors.map(\.path)
            ) == ["medications[0].dose.per"]
        )
        #expect(judge(edited("{\"value\": 6, \"unit\": \"mg/kg\"}", "6")).errors.map(\.path) == ["medications[0].dose"])
    }

    @Test func cumulativeDoseAndSettingAreForHistoryOnly() throws {
        try invalidInBoth(
            edited(
                "\"phase\": \"induction\",",
                "\"phase\": \"induction\", \"cumulative_dose\": {\"value\": 450, \"unit\": \"mg/m2\"},"
            ),
            at: "medications[2].cumulative_dose",
            column: "cumulative_dose",
            saying: "history items only"
        )
        try invalidInBoth(
            edited("\"phase\": \"induction\",", "\"phase\": \"induction\", \"setting\": \"metastatic\","),
            at: "medications[2].setting",
            column: "setting",
            saying: "history items only"
        )
        try invalidInBoth(
            edited(
                "\"cumulative_dose\": {\"value\": 240, \"unit\": \"mg/m2\"}",
                "\"cumulative_dose\": {\"value\": 240, \"unit\": \"mg/kg\"}"
            ),
            at: "history[0].cumulative_dose.unit",
            column: "cumulative_dose_unit",
            saying: "\"mg/m2\""
        )
        try invalidInBoth(
            edited("\"setting\": \"early\"", "\"setting\": \"adjuvant\""),
            at: "history[0].setting",
            column: "setting",
            saying: "early, metastatic"
        )
    }

    // MARK: - Observations

    func withObservation(_ fields: String) -> String {
        edited(
            "{\"type\": \"height\", \"value\": 165, \"unit\": \"cm\", \"date\": \"2026-11-28\"}",
            "{\"type\": \"height\", \"value\": 165, \"unit\": \"cm\", \"date\": \"2026-11-28\"}, {\(fields)}"
        )
    }

    @Test func weightAndHeightInOtherUnitsAreConverted() throws {
        let pounds = withObservation("\"type\": \"weight\", \"value\": 150, \"unit\": \"lb\", \"date\": \"2026-11-29\"")
        let weight = try #require(try order(pounds).observations.last)
        #expect(abs(weight.value - 68.0388555) < 1e-6)
        #expect(weight.unit == "kg" && weight.givenUnit == "lb" && weight.givenValue == "150")
        #expect(weight.givenDescription == "150 lb")
        try sameVerdictAsCSV(pounds)
        let inches = withObservation("\"type\": \"height\", \"value\": 65, \"unit\": \"in\", \"date\": \"2026-11-29\"")
        #expect(try order(inches).observations.last?.value == 165.1)
        try sameVerdictAsCSV(inches)
        let noUnit = withObservation("\"type\": \"weight\", \"value\": 70, \"date\": \"2026-11-29\"")
        #expect(try order(noUnit).observations.last?.unit == "kg")
    }

    @Test(arguments: [
        ("weight", "1", "kg", true), ("weight", "0.9", "kg", false), ("weight", "400", "kg", true),
        ("weight", "401", "kg", false),
        ("weight", "881", "lb", true), ("weight", "882", "lb", false), ("weight", "2.2", "lb", false),
        ("height", "30", "cm", true), ("height", "29.9", "cm", false), ("height", "250", "cm", true),
        ("height", "250.1", "cm", false),
        ("height", "98", "in", true), ("height", "99", "in", false),
        ("bsa", "0.2", "m2", true), ("bsa", "0.19", "m2", false), ("bsa", "4.0", "m2", true),
        ("bsa", "4.01", "m2", false),
        ("lvef", "1", "%", false), ("lvef", "1.01", "%", true), ("lvef", "100", "%", true),
        ("lvef", "100.5", "%", false),
        ("lvef", "0", "%", false), ("weight", "-70", "kg", false),
    ])
    func plausibleRanges(type: String, value: String, unit: String, valid: Bool) throws {
        let json = withObservation(
            "\"type\": \"\(type)\", \"value\": \(value), \"unit\": \"\(unit)\", \"date\": \"2026-11-29\""
        )
        if valid {
            #expect(judge(json).decision != .invalid, "\(judge(json).errors)")
            try sameVerdictAsCSV(json)
        } else {
            try invalidInBoth(json, at: "observations[3].value", column: "value")
        }
    }

    @Test func aFractionalLVEFSaysItLooksLikeAFraction() throws {
        try invalidInBoth(
            edited("\"value\": 61, \"unit\": \"%\"", "\"value\": 0.61, \"unit\": \"%\""),
            at: "observations[0].value",
            column: "value",
            saying: "looks like a fraction"
        )
        #expect(
            judge(edited("\"value\": 61, \"unit\": \"%\"", "\"value\": 0.61, \"unit\": \"%\"")).errors.first?.message
                .contains("61") == true
        )
    }

    @Test func unitsAreCheckedWhenGiven() throws {
        for (type, unit) in [("weight", "KG"), ("weight", "g"), ("height", "m"), ("bsa", "m²"), ("lvef", "percent")] {
            let value = type == "bsa" ? "1.8" : "70"
            try invalidInBoth(
                withObservation(
                    "\"type\": \"\(type)\", \"value\": \(value), \"unit\": \"\(unit)\", \"date\": \"2026-11-29\""
                ),
                at: "observations[3].unit",
                column: "unit"
            )
        }
    }

    @Test func typeAndLOINCMustAgree() throws {
        let byCode = withObservation(
            "\"loinc\": \"29463-7\", \"value\": 70, \"unit\": \"kg\", \"date\": \"2026-11-29\""
        )
        #expect(try order(byCode).observations.last?.type == "weight")
        try sameVerdictAsCSV(byCode)
        for (code, type) in [("8302-2", "height"), ("8277-6", "bsa"), ("18043-0", "lvef")] {
            let value = type == "bsa" ? "1.8" : "70"
            #expect(
                try order(withObservation("\"loinc\": \"\(code)\", \"value\": \(value), \"date\": \"2026-11-29\""))
                    .observations.last?.type == type
            )
        }
        try invalidInBoth(
            withObservation("\"type\": \"lvef\", \"loinc\": \"29463-7\", \"value\": 70, \"date\": \"2026-11-29\""),
            at: "observations[3].loinc",
            column: "loinc",
            saying: "is a weight code, but type is lvef"
        )
        try invalidInBoth(
            withObservation("\"type\": \"bnp\", \"value\": 70, \"date\": \"2026-11-29\""),
            at: "observations[3].type",
            column: "observation",
            saying: "lvef, weight, height, bsa"
        )
        try invalidInBoth(
            withObservation("\"value\": 70, \"date\": \"2026-11-29\""),
            at: "observations[3].type",
            column: "observation",
            saying: "is required"
        )
        try invalidInBoth(
            withObservation("\"loinc\": \"10834-0\", \"value\": 70, \"date\": \"2026-11-29\""),
            at: "observations[3].loinc",
            column: "loinc"
        )
    }

    // MARK: - Adverse events

    @Test func adverseEventsAreValidated() throws {
        let heart = edited("\"event\": \"ild\"", "\"event\": \"heart_failure\"")
        #expect(try order(heart).adverseEvents.first?.event == .heartFailure)
        try sameVerdictAsCSV(heart)
        let noDrug = edited(", \"drug\": \"trastuzumab deruxtecan\"", "")
        #expect(try order(noDrug).adverseEvents.first?.agent == nil)
        try sameVerdictAsCSV(noDrug)
        try invalidInBoth(
            edited("\"event\": \"ild\"", "\"event\": \"neutropenia\""),
            at: "adverse_events[0].event",
            column: "event",
            saying: "ild, heart_failure"
        )
        for grade in ["0", "6", "2.5", "\"two\""] {
            try invalidInBoth(
                edited("\"grade\": 1", "\"grade\": \(grade)"),
                at: "adverse_events[0].grade",
                column: "grade"
            )
        }
        try invalidInBoth(
            edited("\"grade\": 1, ", ""),
            at: "adverse_events[0].grade",
            column: "grade",
            saying: "is required"
        )
        try invalidInBoth(
            edited("\"date\": \"2025-06-02\"", "\"date\": \"June 2025\""),
            at: "adverse_events[0].date",
            column: "date"
        )
        try invalidInBoth(
            edited("\"drug\": \"trastuzumab deruxtecan\"", "\"drug\": \"trastuzumab derux\""),
            at: "adverse_events[0].drug",
            column: "drug",
            saying: "unknown drug"
        )
        #expect(
            judge(edited("\"grade\": 1,", "\"grade\": 1, \"severity\": 3,")).errors.map(\.path) == [
                "adverse_events[0].severity"
            ]
        )
    }

    // MARK: - null is not a value

    @Test(arguments: [
        ("\"drug\": \"Perjeta\"", "\"drug\": null", "medications[1].drug"),
        (
            "\"cycles\": 6, \"cycle_length_days\": 21, \"phase\"",
            "\"cycles\": null, \"cycle_length_days\": 21, \"phase\"", "medications[2].cycles"
        ),
        ("\"type\": \"lvef\"", "\"type\": null", "observations[0].type"),
        ("\"loinc\": \"10230-1\"", "\"loinc\": null", "observations[0].loinc"),
        ("\"value\": 61", "\"value\": null", "observations[0].value"),
        ("\"unit\": \"%\"", "\"unit\": null", "observations[0].unit"),
        ("\"menopausal_status\": \"postmenopausal\"", "\"menopausal_status\": null", "patient.menopausal_status"),
        ("\"metastatic_since\": \"2026-10-30\"", "\"metastatic_since\": null", "patient.metastatic_since"),
        ("\"line_of_therapy\": 1", "\"line_of_therapy\": null", "line_of_therapy"),
        ("\"submitted_at\": \"2026-11-20T09:30:00Z\"", "\"submitted_at\": null", "submitted_at"),
        ("\"stop_reason\": \"completed\"", "\"stop_reason\": null", "history[0].stop_reason"),
        ("\"end\": \"2019-03-14\"", "\"end\": null", "history[0].end"),
        ("\"setting\": \"early\"", "\"setting\": null", "history[0].setting"),
        ("\"phase\": \"induction\"", "\"phase\": null", "medications[2].phase"),
        ("\"doses_per_cycle\": 1", "\"doses_per_cycle\": null", "medications[2].doses_per_cycle"),
        ("\"dose\": {\"value\": 75, \"unit\": \"mg/m2\"}", "\"dose\": null", "medications[2].dose"),
        (
            "{\"value\": 8, \"unit\": \"mg/kg\"}", "{\"value\": null, \"unit\": \"mg/kg\"}",
            "medications[0].loading_dose.value"
        ),
        (
            "\"cumulative_dose\": {\"value\": 240, \"unit\": \"mg/m2\"}",
            "\"cumulative_dose\": {\"value\": 240, \"unit\": null}", "history[0].cumulative_dose.unit"
        ),
        ("\"grade\": 1", "\"grade\": null", "adverse_events[0].grade"),
        ("\"event\": \"ild\"", "\"event\": null", "adverse_events[0].event"),
        ("\"drug\": \"trastuzumab deruxtecan\"", "\"drug\": null", "adverse_events[0].drug"),
        ("\"line_of_therapy\": 1", "\"line_of_therapy\": 1, \"history\": null, \"x\": 1", "history"),
        ("\"line_of_therapy\": 1", "\"line_of_therapy\": 1, \"extensions\": null", "extensions"),
        ("\"line_of_therapy\": 1", "\"line_of_therapy\": 1, \"overrides\": null", "overrides"),
        ("\"drug\": \"Perjeta\"", "\"drug\": \"Perjeta\", \"code\": null", "medications[1].code"),
    ])
    func nullIsAnErrorNamingTheField(old: String, new: String, path: String) {
        let verdict = judge(edited(old, new))
        #expect(verdict.decision == .invalid)
        #expect(verdict.errors.contains { $0.path == path && $0.message.contains("found null") }, "\(verdict.errors)")
    }

    @Test func nullTopLevelArraysAndObjectsAreErrors() {
        for key in ["medications", "observations", "adverse_events", "patient"] {
            let text = Self.example.replacingOccurrences(
                of: "\"\(key)\": ",
                with: "\"\(key)\": null, \"ignored-\(key)\": "
            )
            let verdict = judge(text)
            #expect(
                verdict.errors.contains { $0.path == key && $0.message.contains("found null") },
                "\(key): \(verdict.errors)"
            )
        }
        // A null inside extensions is the sender's data: carried, never read.
        #expect(
            judge(edited("\"line_of_therapy\": 1", "\"line_of_therapy\": 1, \"extensions\": {\"ward\": null}")).decision
                != .invalid
        )
    }

    // MARK: - Control characters

    @Test(arguments: [
        "trastu\\r\\nzumab", "trastuzumab\\u0000", "trastu\\u007fzumab", "trastu\\u0085zumab", "trastu\\tzumab",
        "\\u001b[2Ktrastuzumab", "trastuzumab\\n",
    ])
    func drugNamesWithControlCharactersAreUnknownDrugs(name: String) {
        let verdict = judge(edited("\"drug\": \"trastuzumab\"", "\"drug\": \"\(name)\""))
        #expect(verdict.decision == .invalid)
        #expect(verdict.errors.map(\.path) == ["medications[0].drug"])
        #expect(verdict.errors.first?.message.contains("control character") == true)
    }

    @Test func aControlCharacterInACSVDrugCellIsAnUnknownDrug() throws {
        let csv = try CSVConversion.csv(from: Array(Self.example.utf8))
            .replacingOccurrences(of: ",trastuzumab,", with: ",\"trastu\r\nzumab\",")
        let verdict = judge(csv, as: "RX.csv")
        #expect(verdict.decision == .invalid)
        #expect(verdict.errors.count == 1)
        #expect(verdict.errors.first?.message.hasPrefix("drug: unknown drug") == true)
    }

    @Test func vocabularyNamesWithoutControlCharactersStillResolve() {
        let vocabulary = repositoryPolicy.vocabulary
        #expect(vocabulary.agent(named: "  Herceptin ")?.id == "trastuzumab")
        #expect(vocabulary.agent(named: "T-DM1")?.id == "t-dm1")
        #expect(vocabulary.agent(named: "trastu\r\nzumab") == nil)
        #expect(vocabulary.agent(named: "trastu\u{85}zumab") == nil)
        #expect(vocabulary.suggestions(for: "trastu\r\nzumab").isEmpty)
    }

    // MARK: - Observations other than LVEF are not LVEFs

    /// A weight is not a baseline LVEF. The v1 rule kind (Rules/RuleDefinition+Evaluate.swift, evaluateMissingLVEF)
    /// still reads every observation as an LVEF; the rule rewrite owns that file. When the rule filters by type
    /// (`order.latestObservation(ofType: "lvef", ...)`), this known issue stops being recorded: remove the wrapper.
    @Test func aWeightIsNotABaselineLVEF() {
        let weightOnly = Self.example.replacingOccurrences(
            of:
                "{\"type\": \"lvef\", \"loinc\": \"10230-1\", \"value\": 61, \"unit\": \"%\", \"date\": \"2026-11-18\"},",
            with: ""
        )
        #expect(weightOnly != Self.example)
        #expect(judge(weightOnly).rules.contains("lvef-baseline-missing"))
    }

    // MARK: - CSV records and columns

    @Test func csvAdverseEventRowsAndStrayCells() throws {
        let csv = try CSVConversion.csv(from: Array(Self.example.utf8))
        #expect(csv.contains(",adverse_event,"))
        var lines = csv.components(separatedBy: "\r\n")
        let header = lines[0].components(separatedBy: ",")
        let record = header.firstIndex(of: "record")!, dose = header.firstIndex(of: "dose")!,
            event = header.firstIndex(of: "event")!
        // A dose on an observation row, an event on a medication row: both stray.
        let observationRow = lines.indices.dropFirst().first { lines[$0].contains(",observation,") }!
        var cells = lines[observationRow].components(separatedBy: ",")
        #expect(cells[record] == "observation")
        cells[dose] = "75"
        lines[observationRow] = cells.joined(separator: ",")
        var medication = lines[1].components(separatedBy: ",")
        medication[event] = "ild"
        lines[1] = medication.joined(separator: ",")
        let verdict = judge(lines.joined(separator: "\r\n"), as: "RX.csv")
        #expect(
            Set(verdict.errors.map(\.message)) == [
                "dose: must be empty on an observation row", "event: must be empty on a medication row",
            ]
        )
        #expect(verdict.errors.allSatisfy { $0.path.hasPrefix("line ") && $0.path.contains("column") })
    }
}

/// Observation table loading: a malformed table is a policy error.
@Suite struct ObservationTableTests {
    func load(vocabulary edit: (String) -> String) -> PolicyError? {
        let directory = repositoryRoot.appendingPathComponent("Policies").path
        var files: [PolicySourceFile] = []
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        where name.hasSuffix(".yaml") {
            var text = String(decoding: FileManager.default.contents(atPath: directory + "/" + name)!, as: UTF8.self)
            if name == "vocabulary.yaml" { text = edit(text) }
            files.append(PolicySourceFile(name: name, bytes: Array(text.utf8)))
        }
        do {
            _ = try PolicySet.load(files)
            return nil
        } catch {
            return error
        }
    }

    @Test func theRepositoryTableHasTheFourTypes() throws {
        let types = repositoryPolicy.vocabulary.observationTypes
        #expect(types.map(\.id) == ["lvef", "weight", "height", "bsa"])
        let weight = try #require(repositoryPolicy.vocabulary.observationType(id: "weight"))
        #expect(weight.unit == "kg" && weight.factor(for: "lb") == 0.45359237 && weight.factor(for: "LB") == nil)
        #expect(repositoryPolicy.vocabulary.observationType(loinc: "8277-6")?.id == "bsa")
        #expect(repositoryPolicy.vocabulary.lvefLOINC.contains("10230-1"))
        #expect(load { $0 } == nil)
    }

    @Test(arguments: [
        ("    unit: kg\n", "", "observations.weight.unit"),
        ("range: {at_least: 1, at_most: 400}", "range: {at_least: 400, at_most: 1}", "observations.weight.range"),
        (
            "range: {at_least: 30, at_most: 250}", "range: {at_least: 30, above: 20, at_most: 250}",
            "observations.height.range"
        ),
        ("convert: {lb: 0.45359237}", "convert: {lb: -1}", "observations.weight.convert.lb"),
        ("loinc: [\"8302-2\"]", "loinc: [\"29463-7\"]", "observations.height.loinc"),
        (
            "range: {at_least: 0.2, at_most: 4.0}", "range: {at_least: 0.2, at_most: big}",
            "observations.bsa.range.at_most"
        ),
        ("  bsa:\n", "  BSA!:\n", "observations.BSA!"),
        ("fraction_at_most: 1", "fraction_at_most: one", "observations.lvef.fraction_at_most"),
        ("    title: weight\n", "    title: weight\n    scale: 2\n", "observations.weight.scale"),
    ])
    func aMalformedTableIsAPolicyError(old: String, new: String, path: String) {
        let error = load { text in
            #expect(text.contains(old), "\(old)")
            return text.replacingOccurrences(of: old, with: new)
        }
        #expect(error?.issues.contains { $0.path == path } == true, "\(error?.issues ?? [])")
    }
}

/// The measurement helpers of the model.
@Suite struct MeasurementTests {
    func order(_ observations: String) throws -> Order {
        let json = OrderV2InputTests.example.replacing(
            #/"observations": \[[^\]]*\]/#,
            with: "\"observations\": [\(observations)]"
        )
        switch validator.readOrder(bytes: Array(json.utf8), fileName: "o.json") {
        case .success(let order): return order
        case .failure(let failure): throw failure
        }
    }

    static func observation(_ type: String, _ value: String, _ date: String, unit: String? = nil) -> String {
        "{\"type\": \"\(type)\", \"value\": \(value), \(unit.map { "\"unit\": \"\($0)\", " } ?? "")\"date\": \"\(date)\"}"
    }

    let day = Day(iso: "2026-12-01")!

    @Test func theLatestObservationOnOrBeforeADay() throws {
        let o = try order(
            [
                Self.observation("lvef", "61", "2026-09-01"), Self.observation("lvef", "55", "2026-11-20"),
                Self.observation("lvef", "50", "2026-12-02"), Self.observation("weight", "70", "2026-11-30"),
            ].joined(separator: ", ")
        )
        #expect(o.latestObservation(ofType: "lvef", onOrBefore: day)?.value == 55)
        #expect(o.latestObservation(ofType: "lvef", onOrBefore: day, withinDays: 11)?.value == 55)
        #expect(o.latestObservation(ofType: "lvef", onOrBefore: day, withinDays: 10) == nil)
        #expect(o.latestObservation(ofType: "lvef", onOrBefore: Day(iso: "2026-12-02")!)?.value == 50)
        #expect(o.latestObservation(ofType: "lvef", onOrBefore: Day(iso: "2026-08-31")!) == nil)
        #expect(o.latestObservation(ofType: "weight", onOrBefore: day)?.value == 70)
        #expect(o.observations(ofType: "lvef").map(\.value) == [61, 55, 50])
    }

    @Test func bodySurfaceAreaIsMeasuredOrMosteller() throws {
        let derived = try order(
            [
                Self.observation("weight", "68.5", "2026-11-28"), Self.observation("height", "165", "2026-11-20"),
                Self.observation("weight", "90", "2026-12-05"),
            ].joined(separator: ", ")
        )
        let bsa = try #require(derived.bodySurfaceArea(onOrBefore: day))
        #expect(abs(bsa.value - (165.0 * 68.5 / 3600).squareRoot()) < 1e-12)
        #expect(abs(bsa.value - 1.7719) < 0.0001)
        #expect(bsa.observations.map(\.path) == ["observations[0]", "observations[1]"])
        #expect(bsa.oldestDate == Day(iso: "2026-11-20"))
        #expect(
            bsa.explanation == "1.77 m2 (Mosteller from weight 68.5 kg on 2026-11-28 and height 165 cm on 2026-11-20)"
        )
        #expect(derived.bodySurfaceArea(onOrBefore: day, withinDays: 5) == nil)  // the height is 11 days old
        #expect(derived.bodySurfaceArea(onOrBefore: Day(iso: "2026-11-27")!) == nil)  // no weight yet

        let measured = try order(
            [
                Self.observation("weight", "68.5", "2026-11-28"), Self.observation("height", "165", "2026-11-20"),
                Self.observation("bsa", "1.8", "2026-11-01", unit: "m2"),
            ].joined(separator: ", ")
        )
        let value = try #require(measured.bodySurfaceArea(onOrBefore: day))
        #expect(value.value == 1.8)
        #expect(value.explanation == "1.8 m2 (measured 2026-11-01)")
        // A measured BSA outside the window gives way to Mosteller.
        #expect(measured.bodySurfaceArea(onOrBefore: day, withinDays: 20)?.observations.count == 2)

        let pounds = try order(
            [
                Self.observation("weight", "150", "2026-11-28", unit: "lb"),
                Self.observation("height", "65", "2026-11-28", unit: "in"),
            ].joined(separator: ", ")
        )
        let converted = try #require(pounds.bodySurfaceArea(onOrBefore: day))
        #expect(abs(converted.value - (165.1 * 68.0388555 / 3600).squareRoot()) < 1e-6)
        #expect(converted.explanation.contains("weight 150 lb on 2026-11-28"))
    }
}
