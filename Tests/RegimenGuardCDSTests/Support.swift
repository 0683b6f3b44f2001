import Foundation
import Logging
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardPolicyStore

@testable import RegimenGuardCDS

enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let vectors = repositoryRoot.appendingPathComponent("Tests/RegimenGuardCDSTests/Vectors/jwt-vectors.json")

    /// The repository's policy set, loaded once.
    static let policy: PolicySet = {
        do {
            return try PolicyDirectories.load([repositoryRoot.appendingPathComponent("Policies").path])
        } catch {
            fatalError("the repository's policies do not load: \(error)")
        }
    }()

    static let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func parse(_ text: String) throws -> RegimenGuardCDS.JSONNode {
        try RegimenGuardCDS.JSONParser.parse(Array(text.utf8))
    }
}
