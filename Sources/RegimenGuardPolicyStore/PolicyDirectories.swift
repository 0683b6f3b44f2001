import Foundation
import RegimenGuardCore

/// Finds and reads the policy folders.
///
/// Policy files are the `*.yaml` files at the top of a policy folder (sub-folders such as `tests/` are not part of
/// the policy set). When several folders are given, a file in a later folder replaces the file of the same name in
/// an earlier one, the way `/etc` overrides `/usr/lib` for systemd units: the package's defaults live in
/// `/usr/share/regimen-guard/policies`, local changes in `/etc/regimen-guard/policies`.
public enum PolicyDirectories {
    /// Where the package installs its default policies.
    public static let installed = "/usr/share/regimen-guard/policies"
    /// Where an admin puts local policy files; a file here replaces the installed file of the same name.
    public static let local = "/etc/regimen-guard/policies"

    /// The folders to use when none is given: the installed defaults plus local changes when the package is
    /// installed, else `Policies/` in the current folder (a checkout).
    public static func defaultSearch(currentDirectory: String = FileManager.default.currentDirectoryPath) -> [String] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: installed, isDirectory: &isDirectory), isDirectory.boolValue {
            return [installed, local].filter { FileManager.default.fileExists(atPath: $0) }
        }
        return [(currentDirectory as NSString).appendingPathComponent("Policies")]
    }

    /// Reads the policy files of `directories`, later folders overriding earlier ones by file name.
    /// - Throws: ``PolicyError`` when a folder is missing or a file cannot be read.
    public static func read(_ directories: [String]) throws(PolicyError) -> [PolicySourceFile] {
        var byName: [String: PolicySourceFile] = [:]
        var issues: [PolicyIssue] = []
        for directory in directories {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                issues.append(PolicyIssue(file: directory, path: "", message: "cannot read the policy folder"))
                continue
            }
            for name in names.sorted() where name.hasSuffix(".yaml") && !name.hasPrefix(".") {
                let path = (directory as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: path) else {
                    issues.append(PolicyIssue(file: path, path: "", message: "cannot read the file"))
                    continue
                }
                byName[name] = PolicySourceFile(name: name, bytes: Array(data))
            }
        }
        if !issues.isEmpty { throw PolicyError(issues: issues) }
        return byName.keys.sorted().compactMap { byName[$0] }
    }

    /// Reads and validates the policy set of `directories`.
    public static func load(_ directories: [String]) throws(PolicyError) -> PolicySet {
        try PolicySet.load(read(directories))
    }
}
