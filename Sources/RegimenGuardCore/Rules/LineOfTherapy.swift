/// The line of therapy for advanced disease (ORDERS.md 4.1), shared by every rule that needs first or second line.
///
/// The classes that count (HER2-targeted, chemotherapy) are the calling rule's policy parameters; this type knows
/// only how the contract reads `line_of_therapy`, the history items' `setting` and `patient.metastatic_since`.
enum LineOfTherapy {
    /// How the line was found: given in the order, or inferred from the history (with the items it rests on).
    enum Basis {
        case given(Int)
        case inferred([ResolvedItem])
    }

    /// True when a history item is therapy for metastatic disease: its `setting` is `metastatic`; without a
    /// `setting`, when it ends on or after `patient.metastatic_since` (an open-ended item has not ended), or when
    /// `metastatic_since` is not given (v1). `setting: early`, or no setting and an end before `metastatic_since`,
    /// is early-disease therapy (adjuvant trastuzumab, neoadjuvant AC).
    static func isMetastaticTherapy(_ item: ResolvedItem, patient: Patient) -> Bool {
        if let setting = item.item.setting { return setting == .metastatic }
        guard let since = patient.metastaticSince, let end = item.window.end else { return true }
        return end >= since
    }

    /// The history items that are therapy for metastatic disease.
    static func metastaticHistory(_ context: RuleContext) -> [ResolvedItem] {
        context.history.filter { isMetastaticTherapy($0, patient: context.order.patient) }
    }

    /// First line: `line_of_therapy` 1, or, when absent, none of `prior` (HER2-targeted therapy, chemotherapy)
    /// given for metastatic disease in the history. Nil when it is not first line.
    static func firstLine(_ context: RuleContext, prior: [Selector]) -> Basis? {
        if let line = context.order.lineOfTherapy { return line == 1 ? .given(line) : nil }
        return metastaticHistory(context).contains { prior.matches($0.agent) } ? nil : .inferred([])
    }

    /// Second line: `line_of_therapy` 2, or, when absent, metastatic `targeted` therapy (HER2-targeted) in the
    /// history that stopped for progression, with no metastatic `targeted` therapy started after it. Nil when it is
    /// not second line; otherwise the progression items it rests on.
    static func secondLine(_ context: RuleContext, targeted: [Selector]) -> Basis? {
        if let line = context.order.lineOfTherapy { return line == 2 ? .given(line) : nil }
        let items = metastaticHistory(context).filter { targeted.matches($0.agent) }
        guard let latestStart = items.map(\.window.start).max() else { return nil }
        // None started after it: no item starts after the day it stopped.
        let progressed = items.filter { p in
            p.item.stopReason == .progression && latestStart <= (p.window.end ?? p.window.start)
        }
        return progressed.isEmpty ? nil : .inferred(progressed)
    }

    /// The line a rule asks for (1 or 2).
    static func line(_ line: Int, _ context: RuleContext, prior: [Selector]) -> Basis? {
        line == 1 ? firstLine(context, prior: prior) : secondLine(context, targeted: prior)
    }
}
