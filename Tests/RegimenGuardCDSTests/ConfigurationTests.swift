import Testing

@testable import RegimenGuardCDS

struct ConfigurationTests {
    @Test func theContractsExampleReadsKeyByKey() throws {
        let config = try CDSConfiguration(
            yaml: """
                public_base_url: https://cds.example.org/      # aud = this + the request path
                listen: 127.0.0.1:8420
                auth: required
                issuers:
                  - iss: https://ehr.example.org/fhir
                    jwks_file: /etc/regimen-guard/ehr.jwks.json
                    jku_allowlist: [https://ehr.example.org/jwks.json]
                    tenant: acme
                cors:
                  allowed_origins: []
                limits:
                  max_body_bytes: 1048576
                  replay_cache_entries: 100000
                """
        )
        #expect(config.publicBaseURL == "https://cds.example.org")
        #expect(config.listen == ListenAddress(host: "127.0.0.1", port: 8420))
        #expect(config.auth == .required)
        #expect(
            config.issuers == [
                TrustedIssuer(
                    iss: "https://ehr.example.org/fhir",
                    jwksFile: "/etc/regimen-guard/ehr.jwks.json",
                    jkuAllowlist: ["https://ehr.example.org/jwks.json"],
                    tenant: "acme"
                )
            ]
        )
        #expect(config.allowedOrigins.isEmpty)
        #expect(config.maxBodyBytes == 1_048_576)
        #expect(config.replayCacheEntries == 100_000)
    }

    @Test func defaultsApplyToWhatIsNotGiven() throws {
        let config = try CDSConfiguration(yaml: "auth: none\n")
        #expect(config == CDSConfiguration(auth: .none))
        #expect(config.listen.description == "127.0.0.1:8420")
    }

    @Test func everyProblemIsReportedWithItsKey() {
        do {
            _ = try CDSConfiguration(
                yaml: """
                    public_base_url: ftp://x
                    isuers: []
                    listen: nowhere
                    limits: {max_body_bytes: 10, replay_cache_entries: true}
                    cors: {allowed_origins: [1]}
                    """
            )
            Issue.record("a broken configuration was accepted")
        } catch {
            let text = error.description
            for key in [
                "public_base_url", "isuers: unknown key", "listen", "limits.max_body_bytes",
                "limits.replay_cache_entries",
                "cors.allowed_origins", "issuers: at least one",
            ] {
                #expect(text.contains(key), "\(key) in \(text)")
            }
        }
    }

    @Test func noAuthenticationOnlyOnLoopback() throws {
        let config = try CDSConfiguration(yaml: "auth: none\nlisten: 0.0.0.0:8420\n")
        #expect(throws: ConfigurationError.self) {
            try config.checkExposure(listeningOnLoopback: config.listen.isLoopback)
        }
        try CDSConfiguration(yaml: "auth: none\nlisten: 127.0.0.2:1\n").checkExposure(listeningOnLoopback: true)
        try CDSConfiguration(yaml: "auth: none\nlisten: '[::1]:8420'\n").checkExposure(
            listeningOnLoopback: ListenAddress(parsing: "[::1]:8420")!.isLoopback
        )
    }

    @Test func listenAddressesParse() {
        #expect(ListenAddress(parsing: "[::1]:80") == ListenAddress(host: "::1", port: 80))
        #expect(ListenAddress(parsing: "localhost:0")?.isLoopback == true)
        #expect(ListenAddress(parsing: "10.0.0.1:8420")?.isLoopback == false)
        #expect(ListenAddress(parsing: "::1:80") == nil)
        #expect(ListenAddress(parsing: "host:99999") == nil)
        #expect(ListenAddress(parsing: ":80") == nil)
    }
}
