/// What a verified token says (the claims the service uses).
struct VerifiedToken: Sendable, Equatable {
    var issuer: String
    var keyID: String?
    var algorithm: String
}

/// Why a token was refused. The reason goes to the journal; the caller only sees 401. It never holds the token or
/// any part of it beyond the issuer and key id.
struct AuthFailure: Error, Equatable, CustomStringConvertible {
    var reason: String
    /// The token's claimed issuer, when it could be read (for the journal; not trusted).
    var issuer: String?
    var description: String { reason }
}

/// The trusted keys of one issuer.
struct IssuerKeys: Sendable {
    var issuer: TrustedIssuer
    var keys: [JSONWebKey]
}

/// Verifies the JWT an EHR sends as `Authorization: Bearer` (CDSHOOKS.md section 5): header, signature with the
/// issuer's JWKS, then the claims, then the replay cache.
struct JWTVerifier: Sendable {
    /// Clock skew allowed on `exp`, `iat` and `nbf`, in seconds.
    static let skew: Double = 60
    /// The longest `exp - iat` accepted, in seconds (5 minutes; the skew is added).
    static let maximumLifetime: Double = 300
    /// Tokens longer than this are refused unread.
    static let maximumLength = 16 * 1024

    var issuers: [String: IssuerKeys]
    var replayCache: ReplayCache

    /// Verifies `token` for a call to `audience` (the public URL of the endpoint) at `now` (seconds since 1970).
    func verify(_ token: Substring, audience: String, now: Double) -> Result<VerifiedToken, AuthFailure> {
        func fail(_ reason: String, _ issuer: String? = nil) -> Result<VerifiedToken, AuthFailure> {
            .failure(AuthFailure(reason: reason, issuer: issuer.map { String($0.prefix(200)) }))
        }
        guard token.utf8.count <= JWTVerifier.maximumLength else { return fail("token too long") }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return fail("not a compact JWS (\(parts.count) parts)") }
        guard let headerBytes = Base64URL.decode(parts[0]), let header = try? JSONParser.parse(headerBytes),
            header.isObject
        else { return fail("header is not base64url JSON") }
        guard let payloadBytes = Base64URL.decode(parts[1]), let payload = try? JSONParser.parse(payloadBytes),
            payload.isObject
        else { return fail("payload is not base64url JSON") }
        // Header.
        guard let algName = header["alg"]?.string else { return fail("header has no alg") }
        guard let algorithm = JWSAlgorithm(rawValue: algName) else {
            return fail("alg \(String(algName.prefix(20))) is not allowed")
        }
        if let typ = header["typ"] {
            guard let text = typ.string, text.uppercased() == "JWT" else { return fail("typ is not JWT") }
        }
        if header["crit"] != nil { return fail("crit header parameters are not supported") }
        for embedded in ["jwk", "x5u", "x5c"] where header[embedded] != nil {
            return fail("header carries its own key (\(embedded)); only configured keys are trusted")
        }
        let kid: String?
        if let node = header["kid"] {
            guard let text = node.string else { return fail("kid is not a string") }
            kid = text
        } else {
            kid = nil
        }

        // Issuer and key.
        guard let iss = payload["iss"]?.string else { return fail("no iss claim") }
        guard let trusted = issuers[iss] else { return fail("unknown issuer", iss) }
        if let jku = header["jku"] {
            guard let url = jku.string, trusted.issuer.jkuAllowlist.contains(url) else {
                return fail("jku is not on the issuer's allowlist", iss)
            }
        }
        let key: JSONWebKey
        if let kid {
            guard let found = trusted.keys.first(where: { $0.kid == kid }) else {
                return fail("unknown kid \(String(kid.prefix(80)))", iss)
            }
            key = found
        } else {
            guard trusted.keys.count == 1 else {
                return fail("no kid, and the issuer has \(trusted.keys.count) keys", iss)
            }
            key = trusted.keys[0]
        }
        guard key.fits(algorithm) else { return fail("key \(kid ?? "(only)") does not fit alg \(algName)", iss) }

        // Signature over the ASCII "header.payload".
        guard let signature = Base64URL.decode(parts[2]), !signature.isEmpty else {
            return fail("signature is not base64url", iss)
        }
        let signingInput = token.utf8.prefix(parts[0].count + 1 + parts[1].count)
        guard key.key.verify(algorithm, message: Array(signingInput), signature: signature) else {
            return fail("bad signature", iss)
        }

        // Claims.
        guard let exp = payload["exp"]?.number(in: payloadBytes) else { return fail("no numeric exp claim", iss) }
        guard let iat = payload["iat"]?.number(in: payloadBytes) else { return fail("no numeric iat claim", iss) }
        guard let jti = payload["jti"]?.string, !jti.isEmpty, jti.utf8.count <= 256 else {
            return fail("no jti claim", iss)
        }
        guard let aud = payload["aud"] else { return fail("no aud claim", iss) }
        let audiences = aud.string.map { [$0] } ?? aud.array?.compactMap(\.string) ?? []
        guard audiences.contains(audience) else { return fail("aud does not name this endpoint", iss) }
        guard exp + JWTVerifier.skew > now else { return fail("expired", iss) }
        guard iat <= now + JWTVerifier.skew else { return fail("iat in the future", iss) }
        if let nbfNode = payload["nbf"] {
            guard let nbf = nbfNode.number(in: payloadBytes) else { return fail("nbf is not a number", iss) }
            guard nbf <= now + JWTVerifier.skew else { return fail("not yet valid (nbf)", iss) }
        }
        guard exp - iat <= JWTVerifier.maximumLifetime + JWTVerifier.skew else {
            return fail("lifetime exp - iat over 5 minutes", iss)
        }
        if let tenant = trusted.issuer.tenant {
            guard payload["tenant"]?.string == tenant else { return fail("tenant does not match", iss) }
        }
        switch replayCache.insert(iss + "\u{0}" + jti, expiresAt: exp + JWTVerifier.skew, now: now) {
        case .fresh: break
        case .replayed: return fail("jti replayed", iss)
        case .full: return fail("replay cache full of live tokens", iss)
        }
        return .success(VerifiedToken(issuer: iss, keyID: kid, algorithm: algName))
    }
}
