import Foundation
import Logging
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardPolicyStore
import Synchronization

/// The policy set the service judges with, and its reload. The one place that knows where policies come from and
/// how a reload is logged (today the spool module's `PolicyDirectories` and `MessageIDs`), so moving those into a
/// shared module later changes this type only.
final class PolicyStore: Sendable {
    let directories: [String]
    private let current: Mutex<Validator>

    init(directories: [String]) throws(PolicyError) {
        self.directories = directories
        current = Mutex(Validator(policy: try PolicyDirectories.load(directories)))
    }

    init(policy: PolicySet, directories: [String] = []) {
        self.directories = directories
        current = Mutex(Validator(policy: policy))
    }

    var validator: Validator { current.withLock { $0 } }

    /// Loads the policy folders again; a broken set keeps the last good one.
    func reload(logger: Logger) {
        do {
            let policy = try PolicyDirectories.load(directories)
            current.withLock { $0 = Validator(policy: policy) }
            logger.notice(
                "policy reloaded: \(policy.name) \(policy.version) (\(policy.digest))",
                metadata: [
                    "message_id": .string(MessageIDs.policyLoaded), "policy_version": .string(policy.version),
                    "policy_digest": .string(policy.digest),
                ]
            )
        } catch {
            let kept = validator.policy
            logger.error(
                "policy reload failed; keeping \(kept.version) (\(kept.digest)): \(error.description)",
                metadata: [
                    "message_id": .string(MessageIDs.policyReloadFailed), "policy_version": .string(kept.version),
                    "policy_digest": .string(kept.digest), "fault": .string(error.description),
                ]
            )
        }
    }
}

/// The trusted issuers' keys, read from their JWKS files at start and on SIGHUP (a file that fails keeps that
/// issuer's last good keys).
final class KeyStore: Sendable {
    let issuers: [TrustedIssuer]
    private let keys: Mutex<[String: IssuerKeys]>

    /// Reads every issuer's JWKS file.
    /// - Throws: ``ConfigurationError`` naming each file that cannot be used (the service does not start).
    init(issuers: [TrustedIssuer]) throws(ConfigurationError) {
        self.issuers = issuers
        var loaded: [String: IssuerKeys] = [:]
        var problems: [String] = []
        for issuer in issuers {
            switch KeyStore.read(issuer) {
            case .success(let jwks): loaded[issuer.iss] = IssuerKeys(issuer: issuer, keys: jwks.keys)
            case .failure(let error): problems.append("issuers: \(issuer.jwksFile): \(error)")
            }
        }
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        keys = Mutex(loaded)
    }

    var snapshot: [String: IssuerKeys] { keys.withLock { $0 } }

    static func read(_ issuer: TrustedIssuer) -> Result<JWKS, JWKSError> {
        guard let data = FileManager.default.contents(atPath: issuer.jwksFile) else {
            return .failure(JWKSError(description: "cannot read the file"))
        }
        do {
            return .success(try JWKS.parse(Array(data)))
        } catch {
            return .failure(error)
        }
    }

    func reload(logger: Logger) {
        for issuer in issuers {
            switch KeyStore.read(issuer) {
            case .success(let jwks):
                keys.withLock { $0[issuer.iss] = IssuerKeys(issuer: issuer, keys: jwks.keys) }
            case .failure(let error):
                let kept = keys.withLock { $0[issuer.iss]?.keys.count ?? 0 }
                logger.error(
                    "JWKS reload failed for \(issuer.iss) (\(issuer.jwksFile)): \(error); keeping its \(kept) last good keys",
                    metadata: [
                        "message_id": .string(CDSMessageIDs.keysReloadFailed), "iss": .string(issuer.iss),
                        "fault": .string(error.description),
                    ]
                )
            }
        }
    }
}
