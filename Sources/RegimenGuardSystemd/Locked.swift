import Glibc

/// A value shared between threads, behind a pthread mutex: the shape of `Synchronization.Mutex` (`withLock`).
///
/// Why not `Mutex`: on Linux it waits on a raw futex, which ThreadSanitizer cannot see, so every handoff between the
/// inotify thread, the judging threads and the service loop was reported as a race (`Scripts/sanitizers`). A pthread
/// mutex is intercepted by the sanitizers and costs the same uncontended.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
