import Foundation
import Yams

/// A configuration file that cannot be used: every problem, each with its key.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}

extension CDSConfiguration {
    /// Reads a YAML configuration (Docs/cds-hooks.md lists every key with its type and default):
    ///
    /// - `public_base_url` (string, required when `auth` is `required`): `aud` = this + the request path.
    /// - `listen` (string `HOST:PORT`, default `127.0.0.1:8420`); ignored under socket activation.
    /// - `auth` (`required` or `none`, default `required`).
    /// - `issuers` (list of `iss`, `jwks_file`, optional `jku_allowlist` and `tenant`; required when `auth` is
    ///   `required`).
    /// - `cors.allowed_origins` (list of strings, default empty).
    /// - `limits.max_body_bytes` (integer, default 1048576), `limits.replay_cache_entries` (integer, default 100000).
    /// - `policies` (list of folders, default the installed policies), `threads` (integer, default 0: one per core).
    ///
    /// Unknown keys are errors: a misspelt `isuers` must not silently start a service that trusts no one.
    /// - Throws: ``ConfigurationError`` with every problem found.
    public init(yaml text: String) throws(ConfigurationError) {
        self.init()
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError(problems: ["not YAML: \(error)"])
        }
        var problems: [String] = []
        guard let map = root as? [String: Any] else {
            throw ConfigurationError(problems: ["the configuration must be a mapping of keys"])
        }
        func unknown(_ map: [String: Any], _ known: Set<String>, _ prefix: String) {
            for key in map.keys.sorted() where !known.contains(key) { problems.append("\(prefix)\(key): unknown key") }
        }
        func string(_ value: Any?, _ key: String) -> String? {
            guard let value else { return nil }
            guard let text = value as? String, !text.isEmpty else {
                problems.append("\(key): must be a non-empty string")
                return nil
            }
            return text
        }
        func strings(_ value: Any?, _ key: String) -> [String]? {
            guard let value else { return nil }
            guard let list = value as? [Any], list.allSatisfy({ ($0 as? String).map { !$0.isEmpty } ?? false }) else {
                problems.append("\(key): must be a list of strings")
                return nil
            }
            return list.compactMap { $0 as? String }
        }
        func integer(_ value: Any?, _ key: String, minimum: Int) -> Int? {
            guard let value else { return nil }
            guard let n = value as? Int, !(value is Bool), n >= minimum else {
                problems.append("\(key): must be an integer of at least \(minimum)")
                return nil
            }
            return n
        }
        unknown(map, ["public_base_url", "listen", "auth", "issuers", "cors", "limits", "policies", "threads"], "")
        if let url = string(map["public_base_url"], "public_base_url") {
            if !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains("?") || url.contains("#") {
                problems.append("public_base_url: must be an http(s) URL without query or fragment")
            }
            var trimmed = url
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            publicBaseURL = trimmed
        } else if map["public_base_url"] == nil, (map["auth"] as? String) != "none" {
            problems.append("public_base_url: required (the audience of every token)")
        }
        if let text = string(map["listen"], "listen") {
            if let address = ListenAddress(parsing: text) {
                listen = address
            } else {
                problems.append("listen: must be HOST:PORT")
            }
        }
        if let text = string(map["auth"], "auth") {
            if let mode = Authentication(rawValue: text) {
                auth = mode
            } else {
                problems.append("auth: must be required or none")
            }
        }
        if let value = map["issuers"] {
            if let list = value as? [Any] {
                for (i, item) in list.enumerated() {
                    let prefix = "issuers[\(i)]"
                    guard let entry = item as? [String: Any] else {
                        problems.append("\(prefix): must be a mapping")
                        continue
                    }
                    unknown(entry, ["iss", "jwks_file", "jku_allowlist", "tenant"], "\(prefix).")
                    let iss = string(entry["iss"], "\(prefix).iss")
                    let file = string(entry["jwks_file"], "\(prefix).jwks_file")
                    if entry["iss"] == nil { problems.append("\(prefix).iss: required") }
                    if entry["jwks_file"] == nil { problems.append("\(prefix).jwks_file: required") }
                    let allow = strings(entry["jku_allowlist"], "\(prefix).jku_allowlist") ?? []
                    let tenant = string(entry["tenant"], "\(prefix).tenant")
                    if let iss, let file {
                        if issuers.contains(where: { $0.iss == iss }) {
                            problems.append("\(prefix).iss: \(iss) is listed twice")
                        }
                        issuers.append(TrustedIssuer(iss: iss, jwksFile: file, jkuAllowlist: allow, tenant: tenant))
                    }
                }
            } else if !(value is NSNull) {
                problems.append("issuers: must be a list")
            }
        }
        if let value = map["cors"] {
            if let cors = value as? [String: Any] {
                unknown(cors, ["allowed_origins"], "cors.")
                allowedOrigins = strings(cors["allowed_origins"], "cors.allowed_origins") ?? []
            } else {
                problems.append("cors: must be a mapping")
            }
        }
        if let value = map["limits"] {
            if let limits = value as? [String: Any] {
                unknown(limits, ["max_body_bytes", "replay_cache_entries"], "limits.")
                maxBodyBytes = integer(limits["max_body_bytes"], "limits.max_body_bytes", minimum: 1024) ?? maxBodyBytes
                replayCacheEntries =
                    integer(limits["replay_cache_entries"], "limits.replay_cache_entries", minimum: 1)
                    ?? replayCacheEntries
            } else {
                problems.append("limits: must be a mapping")
            }
        }
        policyDirectories = strings(map["policies"], "policies") ?? []
        threads = integer(map["threads"], "threads", minimum: 0) ?? 0
        if auth == .required, issuers.isEmpty {
            problems.append("issuers: at least one is required when auth is required")
        }
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }

    /// Checks what only makes sense once `--listen` and socket activation are known: no authentication only on a
    /// loopback address.
    public func checkExposure(listeningOnLoopback: Bool) throws(ConfigurationError) {
        if auth == .none, !listeningOnLoopback {
            throw ConfigurationError(problems: ["auth: none is allowed only on a loopback address (127.0.0.0/8, ::1)"])
        }
    }
}
