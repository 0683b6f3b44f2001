import Foundation

/// SplitMix64: a seeded random number generator, so a test that draws random points can be run again with the same
/// ones.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    /// A generator seeded from `variable` when it holds a number (to reproduce a failure), else from the system's
    /// generator; the seed is printed either way, with the variable that replays it.
    public static func reproducible(overriddenBy variable: String) -> SeededGenerator {
        let seed: UInt64
        if let text = ProcessInfo.processInfo.environment[variable], let given = UInt64(text) {
            seed = given
        } else {
            var system = SystemRandomNumberGenerator()
            seed = system.next()
        }
        print("random seed \(seed) (replay with \(variable)=\(seed))")
        return SeededGenerator(state: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
