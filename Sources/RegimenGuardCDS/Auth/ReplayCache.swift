import Synchronization

/// The `jti`s seen within their tokens' lifetimes (CDSHOOKS.md section 5), bounded.
///
/// Each entry lives until its token's `exp` plus the clock skew; expired entries are purged when the cache is
/// full. When it is full of live entries the cache refuses new tokens (fails closed) rather than forgetting one that
/// could then be replayed. Behind a balancer each instance keeps its own cache: a token replayed to another instance
/// is not caught there (documented in Docs/cds-hooks.md).
final class ReplayCache: Sendable {
    enum Outcome: Equatable { case fresh, replayed, full }

    private struct State {
        var expiry: [String: Double] = [:]
        /// No entry expires before this: purging earlier finds nothing.
        var earliestExpiry = Double.infinity
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { state.withLock { $0.expiry.count } }

    /// Records `key` until `expiresAt` (seconds since 1970) unless it is already there.
    func insert(_ key: String, expiresAt: Double, now: Double) -> Outcome {
        state.withLock { state in
            if let seen = state.expiry[key] {
                if seen > now { return .replayed }
                state.expiry[key] = nil
            }
            if state.expiry.count >= capacity, now >= state.earliestExpiry {
                state.expiry = state.expiry.filter { $0.value > now }
                state.earliestExpiry = state.expiry.values.min() ?? .infinity
            }
            guard state.expiry.count < capacity else { return .full }
            state.expiry[key] = expiresAt
            state.earliestExpiry = min(state.earliestExpiry, expiresAt)
            return .fresh
        }
    }
}
