import RegimenGuardCore
import Testing

/// ovarian-suppression-missing, pertuzumab-without-trastuzumab, cdk46-without-endocrine: a companion therapy that
/// must be active on the trigger's first day, or on every day of its window.
@Suite struct GuidelineCompanionTests {
    // MARK: ovarian-suppression-missing (critical; info when the menopausal status is unknown or absent)

    @Test func anAromataseInhibitorBeforeMenopauseWithoutAGnRHAgonistIsFlagged() {
        let verdict = G.judged(G.order([.open("letrozole", "2026-12-01")], menopausal: "premenopausal"))
        let finding = verdict.findings(G.ovarian).first
        #expect(finding?.severity == .critical)
        #expect(
            finding?.summary.hasPrefix(
                "letrozole starts 2026-12-01 in a premenopausal or perimenopausal patient with no GnRH agonist"
            ) == true
        )
        #expect(finding?.evidence.map(\.path) == ["medications[0]"])
        #expect(verdict.decision == .reject)
    }

    @Test(arguments: ["fulvestrant", "elacestrant", "camizestrant", "anastrozole", "exemestane"])
    func everyAromataseInhibitorAndSERDNeedsOvarianSuppression(drug: String) {
        #expect(
            G.judged(G.order([.open(drug, "2026-12-01")], menopausal: "premenopausal")).findings(G.ovarian).first?
                .severity == .critical
        )
    }

    @Test func perimenopausalIsFlaggedLikePremenopausal() {
        let verdict = G.judged(G.order([.open("exemestane", "2026-12-01")], menopausal: "perimenopausal"))
        #expect(verdict.findings(G.ovarian).first?.severity == .critical)
        #expect(
            !G.judged(
                G.order(
                    [.open("exemestane", "2026-12-01"), .open("triptorelin", "2026-11-01")],
                    menopausal: "perimenopausal"
                )
            ).rules.contains(G.ovarian)
        )
    }

    @Test func aGnRHAgonistActiveOnTheFirstDayIsEnough() {
        // Starting the same day (the boundary), or running in the history through that day.
        #expect(
            !G.judged(
                G.order(
                    [.open("letrozole", "2026-12-01"), .open("goserelin", "2026-12-01")],
                    menopausal: "premenopausal"
                )
            ).rules.contains(G.ovarian)
        )
        #expect(
            !G.judged(
                G.order(
                    [.open("letrozole", "2026-12-01")],
                    history: [.range("Zoladex", "2026-06-01", "2026-12-01")],
                    menopausal: "premenopausal"
                )
            ).rules.contains(G.ovarian)
        )
        #expect(
            !G.judged(
                G.order(
                    [.open("letrozole", "2026-12-01")],
                    history: [.open("leuprolide", "2026-06-01")],
                    menopausal: "premenopausal"
                )
            ).rules.contains(G.ovarian)
        )
    }

    @Test func aGnRHAgonistStartingTheDayAfterOrEndingTheDayBeforeIsFlagged() {
        let late = G.judged(
            G.order([.open("letrozole", "2026-12-01"), .open("goserelin", "2026-12-02")], menopausal: "premenopausal")
        )
        #expect(
            late.findings(G.ovarian).first?.summary.contains(
                "the GnRH agonist given is goserelin (2026-12-02 to open-ended)"
            ) == true
        )
        #expect(late.findings(G.ovarian).first?.evidence.map(\.path) == ["medications[0]", "medications[1]"])
        let ended = G.judged(
            G.order(
                [.open("letrozole", "2026-12-01")],
                history: [.range("goserelin", "2026-06-01", "2026-11-30")],
                menopausal: "premenopausal"
            )
        )
        #expect(ended.rules.contains(G.ovarian))
    }

    @Test func lookAlikesAreNotFlagged() {
        // Postmenopausal AI; tamoxifen (a SERM) before menopause; a GnRH agonist alone.
        #expect(
            !G.judged(G.order([.open("letrozole", "2026-12-01")], menopausal: "postmenopausal")).rules.contains(
                G.ovarian
            )
        )
        #expect(
            !G.judged(G.order([.open("tamoxifen", "2026-12-01")], menopausal: "premenopausal")).rules.contains(
                G.ovarian
            )
        )
        #expect(
            !G.judged(G.order([.open("goserelin", "2026-12-01")], menopausal: "premenopausal")).rules.contains(
                G.ovarian
            )
        )
    }

    @Test func anUnknownOrAbsentMenopausalStatusAsksToConfirmIt() {
        for status: String? in ["unknown", nil] {
            let verdict = G.judged(G.order([.open("anastrozole", "2026-12-01")], menopausal: status))
            let finding = verdict.findings(G.ovarian).first
            #expect(finding?.severity == .info)
            #expect(finding?.summary.contains("confirm that the patient is postmenopausal") == true)
            #expect(verdict.decision == .accept)
            #expect(
                !G.judged(
                    G.order([.open("anastrozole", "2026-12-01"), .open("goserelin", "2026-12-01")], menopausal: status)
                ).rules.contains(G.ovarian)
            )
        }
    }

    // MARK: pertuzumab-without-trastuzumab (critical)

    @Test func pertuzumabContinuingAfterTrastuzumabStopsIsFlagged() {
        let verdict = G.judged(G.order([.cycles("trastuzumab", "2026-12-01", 6), .open("pertuzumab", "2026-12-01")]))
        let finding = verdict.findings(G.pertuzumab).first
        #expect(finding?.severity == .critical)
        #expect(
            finding?.summary.hasPrefix(
                "pertuzumab is active from 2027-04-06, open-ended, with no trastuzumab-containing agent active"
            ) == true
        )
        #expect(finding?.summary.contains("(trastuzumab given: trastuzumab (2026-12-01 to 2027-04-05))") == true)
        #expect(verdict.decision == .reject)
    }

    @Test func theFirstAndTheLastDayOfPertuzumabNeedTrastuzumabToo() {
        // Trastuzumab ends one day before pertuzumab: a one-day gap.
        let lastDay = G.judged(
            G.order([
                .range("trastuzumab", "2026-12-01", "2027-05-15"), .range("pertuzumab", "2026-12-01", "2027-05-16"),
            ])
        )
        #expect(
            lastDay.findings(G.pertuzumab).first?.summary.hasPrefix(
                "pertuzumab is active from 2027-05-16 to 2027-05-16"
            ) == true
        )
        // Trastuzumab starts one day after pertuzumab.
        let firstDay = G.judged(G.order([.open("trastuzumab", "2026-12-02"), .open("pertuzumab", "2026-12-01")]))
        #expect(
            firstDay.findings(G.pertuzumab).first?.summary.hasPrefix(
                "pertuzumab is active from 2026-12-01 to 2026-12-01"
            ) == true
        )
        // The same windows: nothing.
        #expect(
            !G.judged(
                G.order([
                    .range("trastuzumab", "2026-12-01", "2027-05-16"), .range("pertuzumab", "2026-12-01", "2027-05-16"),
                ])
            ).rules.contains(G.pertuzumab)
        )
    }

    @Test func trastuzumabInAnyFormCoversPertuzumab() {
        // Phesgo alone holds both; T-DXd + pertuzumab is DESTINY-Breast09; a biosimilar switch back to back; the
        // history's trastuzumab still running.
        #expect(!G.judged(G.order([.open("Phesgo", "2026-12-01")])).rules.contains(G.pertuzumab))
        #expect(
            !G.judged(G.order([.open("T-DXd", "2026-12-01"), .open("pertuzumab", "2026-12-01")])).rules.contains(
                G.pertuzumab
            )
        )
        #expect(
            !G.judged(
                G.order([
                    .range("Herceptin", "2026-12-01", "2027-01-31"), .open("Ogivri", "2027-02-01"),
                    .open("Perjeta", "2026-12-01"),
                ])
            ).rules.contains(G.pertuzumab)
        )
        #expect(
            !G.judged(G.order([.open("pertuzumab", "2026-12-01")], history: [.open("trastuzumab", "2026-09-01")])).rules
                .contains(G.pertuzumab)
        )
        #expect(
            !G.judged(G.order([.open("pertuzumab", "2026-12-01"), .open("Herceptin Hylecta", "2026-12-01")])).rules
                .contains(G.pertuzumab)
        )
    }

    @Test func pertuzumabAloneIsFlaggedFromItsFirstDay() {
        let verdict = G.judged(G.order([.open("Perjeta", "2026-12-01")]))
        #expect(
            verdict.findings(G.pertuzumab).first?.summary
                == "Perjeta is active from 2026-12-01, open-ended, with no trastuzumab-containing agent active"
        )
    }

    // MARK: cdk46-without-endocrine (warning)

    @Test func aCDK46InhibitorWithoutAnAromataseInhibitorOrSERDIsFlagged() {
        let verdict = G.judged(
            G.order(
                [
                    .open("palbociclib", "2026-12-01"), .open("trastuzumab", "2026-12-01"),
                    .open("pertuzumab", "2026-12-01"),
                ],
                line: 2
            )
        )
        let finding = verdict.findings(G.cdkEndocrine).first
        #expect(finding?.severity == .warning)
        #expect(finding?.summary == "palbociclib starts 2026-12-01 with no aromatase inhibitor or SERD active that day")
        #expect(verdict.decision == .review)
    }

    @Test func theEndocrinePartnerMustBeActiveOnTheFirstDay() {
        #expect(
            !G.judged(G.order([.open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-01")], line: 2)).rules
                .contains(G.cdkEndocrine)
        )
        #expect(
            !G.judged(G.order([.open("abemaciclib", "2026-12-01"), .open("fulvestrant", "2026-12-01")], line: 2)).rules
                .contains(G.cdkEndocrine)
        )
        #expect(
            !G.judged(
                G.order([.open("ribociclib", "2026-12-01")], history: [.open("letrozole", "2026-06-01")], line: 2)
            ).rules.contains(G.cdkEndocrine)
        )
        let late = G.judged(G.order([.open("palbociclib", "2026-12-01"), .open("letrozole", "2026-12-02")], line: 2))
        #expect(
            late.findings(G.cdkEndocrine).first?.summary.contains(
                "; endocrine partner given: letrozole (2026-12-02 to open-ended)"
            ) == true
        )
        #expect(
            G.judged(
                G.order(
                    [.open("palbociclib", "2026-12-01")],
                    history: [.range("letrozole", "2026-06-01", "2026-11-30")],
                    line: 2
                )
            ).rules.contains(G.cdkEndocrine)
        )
    }

    @Test func tamoxifenIsNotAnEndocrinePartnerForACDK46Inhibitor() {
        #expect(
            G.judged(G.order([.open("ribociclib", "2026-12-01"), .open("tamoxifen", "2026-12-01")], line: 2)).rules
                .contains(G.cdkEndocrine)
        )
    }
}
