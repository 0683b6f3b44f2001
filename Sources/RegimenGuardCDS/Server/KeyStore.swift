import Foundation
import Logging
import RegimenGuardJournal
import Synchronization

/// The trusted issuers' keys, read from their JWKS files at start and on SIGHUP (a file that fails keeps that
/// issuer's last good keys). The SIGHUP reload is the policy store's: the keys are its companion (``CDSServer``).
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
