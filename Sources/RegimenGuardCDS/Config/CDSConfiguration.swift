/// One EHR the service trusts to sign its calls (CDSHOOKS.md section 5).
public struct TrustedIssuer: Sendable, Equatable {
    /// The `iss` claim, exactly.
    public var iss: String
    /// The issuer's JWKS file (several keys allowed, for rotation); read at start and on SIGHUP.
    public var jwksFile: String
    /// `jku` header values accepted from this issuer; a token with another `jku` is refused. Never fetched.
    public var jkuAllowlist: [String]
    /// When set, the token's `tenant` claim must equal it.
    public var tenant: String?

    public init(iss: String, jwksFile: String, jkuAllowlist: [String] = [], tenant: String? = nil) {
        self.iss = iss
        self.jwksFile = jwksFile
        self.jkuAllowlist = jkuAllowlist
        self.tenant = tenant
    }
}

/// Where the service listens.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPv6]:PORT`; nil when malformed.
    public init?(parsing text: String) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// True for 127.0.0.0/8, `::1` and `localhost`.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The configuration of `regimen-guard serve` (CDSHOOKS.md section 6; every key in Docs/cds-hooks.md).
public struct CDSConfiguration: Sendable, Equatable {
    /// Whether calls must carry a verified JWT.
    public enum Authentication: String, Sendable, Equatable {
        case required
        /// No authentication: allowed only on a loopback address, and logged as a warning at every start.
        case none
    }

    /// The service's public URL (what the EHR calls, e.g. behind the TLS proxy); `aud` must be this + the path.
    public var publicBaseURL: String
    public var listen: ListenAddress
    public var auth: Authentication
    public var issuers: [TrustedIssuer]
    /// Exact origins allowed by CORS; none by default.
    public var allowedOrigins: [String]
    /// The largest request body read, in bytes.
    public var maxBodyBytes: Int
    /// Bound of the jti replay cache.
    public var replayCacheEntries: Int
    /// Policy folders; empty means the default search (as `validate`). `--policies` replaces them.
    public var policyDirectories: [String]
    /// Event-loop threads; 0 means one per core.
    public var threads: Int

    public init(
        publicBaseURL: String = "http://127.0.0.1:8420",
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8420),
        auth: Authentication = .required,
        issuers: [TrustedIssuer] = [],
        allowedOrigins: [String] = [],
        maxBodyBytes: Int = 1 << 20,
        replayCacheEntries: Int = 100_000,
        policyDirectories: [String] = [],
        threads: Int = 0
    ) {
        self.publicBaseURL = publicBaseURL
        self.listen = listen
        self.auth = auth
        self.issuers = issuers
        self.allowedOrigins = allowedOrigins
        self.maxBodyBytes = maxBodyBytes
        self.replayCacheEntries = replayCacheEntries
        self.policyDirectories = policyDirectories
        self.threads = threads
    }
}
