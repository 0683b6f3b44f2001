import CLibcrypto

/// Lowercase hex SHA-256, as `source_sha256` and the policy digest carry it.
public enum SHA256Hex {
    /// libcrypto's SHA-256, fetched once (at the first policy load) and shared: an `EVP_MD` is immutable after
    /// the fetch and safe to use from any thread.
    private nonisolated(unsafe) static let algorithm: OpaquePointer = {
        guard let md = rg_sha256_fetch() else {
            preconditionFailure("libcrypto has no SHA-256 (EVP_MD_fetch SHA2-256 failed)")
        }
        return md
    }()

    public static func digest(_ bytes: [UInt8]) -> String {
        let md = algorithm
        var out = [UInt8](repeating: 0, count: 32)
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { rg_sha256(md, input.baseAddress, input.count, $0.baseAddress) }
        }
        precondition(ok == 1, "libcrypto SHA-256 failed")
        return hex(out)
    }

    private static func hex(_ digest: [UInt8]) -> String {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
