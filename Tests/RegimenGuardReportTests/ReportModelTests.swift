import RegimenGuardReport
import Testing

@Suite struct ReportModelTests {
    @Test func overrideRateIsNilWithoutFeedbackAndTheOverriddenShareWithIt() {
        var rule = Report.Rule()
        #expect(rule.overrideRate == nil)
        rule.cardsAccepted = 1
        rule.cardsOverridden = 3
        #expect(rule.overrideRate == 0.75)
    }
}
