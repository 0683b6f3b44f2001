import Foundation
import RegimenGuardCore
import TestSupport
import Testing

/// Everywhere the rule set shows: every rule of the repository policy has its journal catalog entry, its row in the
/// man page's message-id table and in the README's rule table.
@Suite struct HeartDocumentationTests {
    static func text(_ path: String) -> String {
        String(
            decoding: FileManager.default.contents(atPath: repositoryRoot.appendingPathComponent(path).path) ?? Data(),
            as: UTF8.self
        )
    }

    @Test func everyRuleIsInTheCatalogTheManPageAndTheREADME() {
        let catalog = Self.text("Packaging/regimen-guard.catalog")
        let manual = Self.text("Packaging/regimen-guard.8")
        let readme = Self.text("README.md")
        for rule in repositoryPolicy.rules {
            #expect(catalog.contains("\n-- \(rule.messageID)\nSubject: "), "catalog: \(rule.id)")
            #expect(manual.contains("\n\(rule.id)\t\(rule.messageID)\n"), "man page: \(rule.id)")
            #expect(readme.contains("\n| `\(rule.id)` | "), "README: \(rule.id)")
        }
    }
}
