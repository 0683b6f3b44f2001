import Foundation
import Testing

@testable import RegimenGuardCDS

/// The verifier against JWTs signed by PyJWT + cryptography (Tests/cds/make_vectors.py wrote them).
struct JWTVerifierTests {
    struct Vectors: Decodable {
        struct Case: Decodable {
            var name: String
            var token: String
            var valid: Bool
            var reason: String
        }
        var issuer: String
        var audience: String
        var now: Double
        var jku_allowlist: [String]
        var cases: [Case]
    }

    static func load() throws -> (Vectors, JWKS) {
        let data = try Data(contentsOf: Fixtures.vectors)
        let vectors = try JSONDecoder().decode(Vectors.self, from: data)
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let jwks = try JSONSerialization.data(withJSONObject: root?["jwks"] ?? [:])
        return (vectors, try JWKS.parse(Array(jwks)))
    }

    static func verifier(_ vectors: Vectors, _ jwks: JWKS, capacity: Int = 100) -> JWTVerifier {
        let issuer = TrustedIssuer(iss: vectors.issuer, jwksFile: "-", jkuAllowlist: vectors.jku_allowlist)
        return JWTVerifier(
            issuers: [vectors.issuer: IssuerKeys(issuer: issuer, keys: jwks.keys)],
            replayCache: ReplayCache(capacity: capacity)
        )
    }

    @Test func everyVectorGetsItsExpectedOutcome() throws {
        let (vectors, jwks) = try Self.load()
        #expect(jwks.keys.count == 4)
        #expect(vectors.cases.count > 30)
        for vector in vectors.cases {
            let result = Self.verifier(vectors, jwks).verify(
                vector.token[...],
                audience: vectors.audience,
                now: vectors.now
            )
            switch result {
            case .success:
                #expect(vector.valid, "\(vector.name) was accepted")
            case .failure(let failure):
                #expect(!vector.valid, "\(vector.name) was refused: \(failure.reason)")
                if !vector.reason.isEmpty {
                    #expect(failure.reason.contains(vector.reason), "\(vector.name): \(failure.reason)")
                }
            }
        }
    }

    @Test func aReplayedJTIIsRefusedUntilItExpires() throws {
        let (vectors, jwks) = try Self.load()
        let verifier = Self.verifier(vectors, jwks)
        let token = vectors.cases.first { $0.name == "ES384" }!.token[...]
        #expect((try? verifier.verify(token, audience: vectors.audience, now: vectors.now).get()) != nil)
        guard case .failure(let failure) = verifier.verify(token, audience: vectors.audience, now: vectors.now + 1)
        else {
            Issue.record("a replay was accepted")
            return
        }
        #expect(failure.reason == "jti replayed")
    }

    @Test func theReplayCacheIsBoundedAndFailsClosed() {
        let cache = ReplayCache(capacity: 2)
        #expect(cache.insert("a", expiresAt: 100, now: 0) == .fresh)
        #expect(cache.insert("b", expiresAt: 200, now: 0) == .fresh)
        #expect(cache.insert("a", expiresAt: 100, now: 1) == .replayed)
        #expect(cache.insert("c", expiresAt: 100, now: 1) == .full)
        // Once "a" has expired it is purged and makes room.
        #expect(cache.insert("c", expiresAt: 300, now: 150) == .fresh)
        #expect(cache.count == 2)
        #expect(cache.insert("b", expiresAt: 300, now: 160) == .replayed)
    }

    @Test func jwksWithPrivateMaterialOrNoUsableKeyIsRefused() {
        #expect(throws: JWKSError.self) { try JWKS.parse(Array(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.utf8)) }
        #expect(throws: JWKSError.self) {
            try JWKS.parse(Array(#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}"#.utf8))
        }
        #expect(throws: JWKSError.self) {
            try JWKS.parse(Array(#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#.utf8))
        }
        #expect(throws: JWKSError.self) {
            try JWKS.parse(Array(#"{"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]}"#.utf8))
        }
        #expect(throws: JWKSError.self) { try JWKS.parse(Array("not json".utf8)) }
    }

    @Test func base64URLIsStrict() {
        #expect(Base64URL.decode(Array("aGVsbG8".utf8)) == Array("hello".utf8))
        #expect(Base64URL.decode(Array("aGVsbG8=".utf8)) == nil)
        #expect(Base64URL.decode(Array("aGVsbG+".utf8)) == nil)
        #expect(Base64URL.decode(Array("aGVsbG9".utf8)) == nil)  // non-zero leftover bits
        #expect(Base64URL.encode(Array("hello".utf8)) == "aGVsbG8")
    }
}
