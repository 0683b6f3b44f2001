import RegimenGuardSystemd

/// Collects watch events between turns of the service loop, so that the loop takes every event pending at once:
/// under a burst the batches grow and one flush covers many orders (group commit); when idle, a single event
/// wakes the loop at once.
final class EventInbox: Sendable {
    private let state = Locked<(events: [WatchEvent], signalled: Bool)>(([], false))

    /// Adds events; calls `wake` only when the loop has not been woken since it last took events.
    func post(_ events: [WatchEvent], wake: () -> Void) {
        let shouldWake = state.withLock { state in
            state.events += events
            if state.signalled { return false }
            state.signalled = true
            return true
        }
        if shouldWake { wake() }
    }

    /// Takes every pending event.
    func takeAll() -> [WatchEvent] {
        state.withLock { state in
            let events = state.events
            state.events = []
            state.signalled = false
            return events
        }
    }
}
