import Foundation

/// A fresh folder under the system temporary folder, removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "regimen-guard-test") throws {
        let template = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix).XXXXXX")
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: made)
    }

    public func url(_ component: String) -> URL { URL(fileURLWithPath: path).appendingPathComponent(component) }

    public func file(_ component: String) -> String { url(component).path }

    public func write(_ component: String, _ contents: String) throws {
        let target = url(component)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        try Data(contents.utf8).write(to: target)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Waits for an observable effect instead of sleeping: polls `condition` until it holds or the deadline passes.
/// - Returns: whether the condition held before the deadline.
public func waitUntil(
    timeout: Duration = .seconds(20),
    pollEvery: Duration = .milliseconds(10),
    _ condition: () throws -> Bool
) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: Double(pollEvery.components.attoseconds) / 1e18)
    }
    return try condition()
}

/// The repository's root folder (where `Package.swift` is), found from this source file.
public let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
    }
    fatalError("Package.swift not found above \(#filePath)")
}()
