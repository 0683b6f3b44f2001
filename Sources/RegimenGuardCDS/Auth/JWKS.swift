import CJOSE

/// The JWS algorithms the service accepts (CDSHOOKS.md section 5). `none` and every HMAC algorithm are absent on
/// purpose: a shared secret would be the EHR's public key to anyone who reads the JWKS.
enum JWSAlgorithm: String, Sendable, CaseIterable {
    case es384 = "ES384", rs384 = "RS384", es256 = "ES256", rs256 = "RS256", ps384 = "PS384"

    var shim: rg_jose_alg {
        switch self {
        case .es384: RG_JOSE_ES384
        case .rs384: RG_JOSE_RS384
        case .es256: RG_JOSE_ES256
        case .rs256: RG_JOSE_RS256
        case .ps384: RG_JOSE_PS384
        }
    }

    /// The key type and, for EC, the curve size this algorithm needs.
    var keyType: String { rawValue.hasPrefix("ES") ? "EC" : "RSA" }
    var curveBits: Int { self == .es256 ? 256 : self == .es384 ? 384 : 0 }
}

/// A public key built by OpenSSL from a JWK; freed with the last reference.
final class PublicKey: @unchecked Sendable {
    // Immutable after init and only read by OpenSSL's thread-safe verify calls: safe to share between threads.
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { rg_jose_key_free(pointer) }

    func verify(_ algorithm: JWSAlgorithm, message: [UInt8], signature: [UInt8]) -> Bool {
        rg_jose_verify(pointer, algorithm.shim, message, message.count, signature, signature.count) == 1
    }
}

/// One verification key of an issuer's JWKS (RFC 7517).
struct JSONWebKey: Sendable {
    var kid: String?
    /// The JWK's own `alg`, when it names one: the header's must then be the same.
    var alg: String?
    /// `EC` or `RSA`.
    var keyType: String
    /// 256 or 384 for EC keys, 0 for RSA.
    var curveBits: Int
    var key: PublicKey

    /// True when this key may verify a signature of `algorithm`.
    func fits(_ algorithm: JWSAlgorithm) -> Bool {
        if let alg, alg != algorithm.rawValue { return false }
        return keyType == algorithm.keyType && curveBits == algorithm.curveBits
    }
}

/// Why a JWKS file was refused.
struct JWKSError: Error, CustomStringConvertible {
    var description: String
}

/// A JWKS document: the keys that can verify signatures. Keys for encryption (`use` other than `sig`) and key types
/// this service does not verify with (OKP, oct, ...) are skipped; a document with no usable key is refused. Private
/// members are refused too: a JWKS file holding a private key is a misconfiguration worth stopping for.
struct JWKS: Sendable {
    var keys: [JSONWebKey]
    var skipped: Int

    static func parse(_ bytes: [UInt8]) throws(JWKSError) -> JWKS {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw JWKSError(description: "not JSON (\(error))")
        }
        guard let items = root["keys"]?.array else { throw JWKSError(description: "no \"keys\" array") }
        var keys: [JSONWebKey] = []
        var skipped = 0
        var kids = Set<String>()
        for (i, item) in items.enumerated() {
            guard item.isObject, let kty = item["kty"]?.string else {
                throw JWKSError(description: "keys[\(i)] has no \"kty\"")
            }
            if item["d"] != nil || item["p"] != nil || item["k"] != nil {
                throw JWKSError(description: "keys[\(i)] holds private or secret key material")
            }
            if let use = item["use"] {
                guard use.string == "sig" else {
                    skipped += 1
                    continue
                }
            }
            let kid = item["kid"]?.string
            if let kid, !kids.insert(kid).inserted {
                throw JWKSError(description: "keys[\(i)]: kid \(kid) appears twice")
            }
            let alg = item["alg"]?.string
            if let alg, JWSAlgorithm(rawValue: alg) == nil {
                skipped += 1
                continue
            }
            func member(_ name: String) throws(JWKSError) -> [UInt8] {
                guard let text = item[name]?.string, let bytes = Base64URL.decode(Array(text.utf8)), !bytes.isEmpty
                else {
                    throw JWKSError(description: "keys[\(i)]: \"\(name)\" is not base64url")
                }
                return bytes
            }
            switch kty {
            case "RSA":
                let n = try member("n"), e = try member("e")
                guard let pointer = rg_jose_rsa_key(n, n.count, e, e.count) else {
                    throw JWKSError(description: "keys[\(i)]: not an RSA key of at least 2048 bits")
                }
                keys.append(JSONWebKey(kid: kid, alg: alg, keyType: "RSA", curveBits: 0, key: PublicKey(pointer)))
            case "EC":
                let bits: Int
                switch item["crv"]?.string {
                case "P-256": bits = 256
                case "P-384": bits = 384
                default:
                    skipped += 1
                    continue
                }
                let x = try member("x"), y = try member("y")
                guard let pointer = rg_jose_ec_key(Int32(bits), x, x.count, y, y.count) else {
                    throw JWKSError(description: "keys[\(i)]: not a point on the curve")
                }
                keys.append(JSONWebKey(kid: kid, alg: alg, keyType: "EC", curveBits: bits, key: PublicKey(pointer)))
            default:
                skipped += 1
            }
        }
        guard !keys.isEmpty else { throw JWKSError(description: "no usable signing key (EC P-256/P-384 or RSA)") }
        return JWKS(keys: keys, skipped: skipped)
    }
}
