/// Body surface area on a day: measured, or derived from a weight and a height.
public struct BodySurfaceArea: Sendable {
    public enum Source: Sendable {
        /// A `bsa` observation.
        case measured(Observation)
        /// Mosteller, `sqrt(height cm * weight kg / 3600)`, from these observations.
        case mosteller(weight: Observation, height: Observation)
    }

    /// Square metres.
    public var value: Double
    public var source: Source

    /// The observations it rests on (their paths and dates are the finding's evidence).
    public var observations: [Observation] {
        switch source {
        case .measured(let bsa): [bsa]
        case .mosteller(let weight, let height): [weight, height]
        }
    }

    /// The oldest date it rests on (for freshness checks).
    public var oldestDate: Day { observations.map(\.date).min()! }

    /// What it is, for messages: `1.79 m2 (measured 2026-11-28)` or
    /// `1.77 m2 (Mosteller from weight 68.5 kg on 2026-11-28 and height 165 cm on 2026-11-20)`.
    public var explanation: String {
        let rounded = (value * 100).rounded() / 100
        switch source {
        case .measured(let bsa): return "\(rounded) m2 (measured \(bsa.date))"
        case .mosteller(let weight, let height):
            return
                "\(rounded) m2 (Mosteller from weight \(weight.givenDescription) on \(weight.date) and height \(height.givenDescription) on \(height.date))"
        }
    }

    /// Mosteller's formula.
    public static func mosteller(heightCentimetres: Double, weightKilograms: Double) -> Double {
        (heightCentimetres * weightKilograms / 3600).squareRoot()
    }
}

extension Order {
    /// The latest observation of `type` (an id of the observation table: `lvef`, `weight`, ...) dated on or before
    /// `day`, and, when `withinDays` is given, no more than that many days before it. Of several on the latest date,
    /// the one listed last wins.
    public func latestObservation(ofType type: String, onOrBefore day: Day, withinDays: Int? = nil) -> Observation? {
        var best: Observation?
        for observation in observations where observation.type == type && observation.date <= day {
            if let withinDays, observation.date.days(to: day) > withinDays { continue }
            if best.map({ observation.date >= $0.date }) ?? true { best = observation }
        }
        return best
    }

    /// Every observation of `type`, oldest first (stable for equal dates).
    public func observations(ofType type: String) -> [Observation] {
        observations.enumerated().filter { $0.element.type == type }
            .sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
    }

    /// The body surface area on or before `day`: the latest `bsa` observation, or else Mosteller from the latest
    /// weight and the latest height (each on or before `day`, within `withinDays` when given). A measured BSA is
    /// preferred when there is one in the window, even when the weight is newer. Nil when neither is available.
    public func bodySurfaceArea(onOrBefore day: Day, withinDays: Int? = nil) -> BodySurfaceArea? {
        if let bsa = latestObservation(ofType: "bsa", onOrBefore: day, withinDays: withinDays) {
            return BodySurfaceArea(value: bsa.value, source: .measured(bsa))
        }
        guard let weight = latestObservation(ofType: "weight", onOrBefore: day, withinDays: withinDays),
            let height = latestObservation(ofType: "height", onOrBefore: day, withinDays: withinDays)
        else { return nil }
        return BodySurfaceArea(
            value: BodySurfaceArea.mosteller(heightCentimetres: height.value, weightKilograms: weight.value),
            source: .mosteller(weight: weight, height: height)
        )
    }
}
