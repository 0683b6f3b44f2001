import Foundation
import RegimenGuardPolicyStore
import Testing

@testable import RegimenGuardCDS

/// The status checks in CDSHOOKS.md section 1's order, on the application without a network.
struct ApplicationTests {
    static func app(auth: CDSConfiguration.Authentication = .required) throws -> CDSApplication {
        let config = CDSConfiguration(
            publicBaseURL: "https://cds.example.org",
            auth: auth,
            allowedOrigins: ["https://app.example.org"],
            maxBodyBytes: 2048
        )
        return CDSApplication(
            configuration: config,
            policies: PolicyStore(directories: [], initial: Fixtures.policy, logger: Fixtures.quietLogger),
            keys: try KeyStore(issuers: []),
            logger: Fixtures.quietLogger
        )
    }

    static func request(
        _ method: String,
        _ path: String,
        body: String = "",
        headers: [(name: String, value: String)] = []
    ) -> HTTPRequest {
        HTTPRequest(method: method, uri: path, headers: headers, body: Array(body.utf8))
    }

    @Test func checksComeInTheContractsOrder() throws {
        let app = try Self.app()
        let huge = String(repeating: "x", count: 4096)
        #expect(app.respond(Self.request("POST", "/cds-services/nope", body: huge)).status == 404)
        let wrongMethod = app.respond(Self.request("PUT", "/cds-services/regimen-guard-order-sign", body: huge))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers.contains { $0 == ("Allow", "POST, OPTIONS") })
        #expect(
            app.respond(
                Self.request(
                    "OPTIONS",
                    "/cds-services/regimen-guard-order-sign",
                    body: huge,
                    headers: [("Origin", "https://app.example.org")]
                )
            ).status == 204
        )
        #expect(app.respond(Self.request("POST", "/cds-services/regimen-guard-order-sign", body: huge)).status == 413)
        let unauthenticated = app.respond(
            Self.request("POST", "/cds-services/regimen-guard-order-sign", body: "not json")
        )
        #expect(unauthenticated.status == 401)
        #expect(unauthenticated.headers.contains { $0 == ("WWW-Authenticate", "Bearer") })
        #expect(unauthenticated.body.isEmpty)
        #expect(app.respond(Self.request("GET", "/healthz")).status == 200)
        #expect(app.respond(Self.request("GET", "/healthz?x=1")).status == 200)
    }

    @Test func afterAuthenticationBadBodiesAre400AndMissingPrefetch412() throws {
        let app = try Self.app(auth: .none)
        let path = "/cds-services/regimen-guard-order-sign"
        #expect(app.respond(Self.request("POST", path, body: "not json")).status == 400)
        #expect(
            app.respond(Self.request("POST", path, body: #"{"hook":"order-select","hookInstance":"a","context":{}}"#))
                .status == 400
        )
        #expect(
            app.respond(Self.request("POST", path, body: #"{"hook":"order-sign","hookInstance":"a b","context":{}}"#))
                .status == 400
        )
        let draft = #"{"patientId":"p","draftOrders":{"resourceType":"Bundle","entry":[]}}"#
        let noPrefetch = app.respond(
            Self.request("POST", path, body: #"{"hook":"order-sign","hookInstance":"a","context":\#(draft)}"#)
        )
        #expect(noPrefetch.status == 412)
        #expect(String(decoding: noPrefetch.body, as: UTF8.self).contains(#""code":"incomplete""#))
        let select = "/cds-services/regimen-guard-order-select"
        #expect(
            app.respond(
                Self.request("POST", select, body: #"{"hook":"order-select","hookInstance":"a","context":\#(draft)}"#)
            ).status == 400
        )
    }

    @Test func routesAreExact() {
        #expect(CDSApplication.route("/cds-services") == .discovery)
        #expect(CDSApplication.route("/cds-services/regimen-guard-order-select") == .hook(.orderSelect))
        #expect(CDSApplication.route("/cds-services/regimen-guard-order-sign/feedback") == .feedback(.orderSign))
        for path in [
            "/cds-services/", "/cds-services//feedback", "/cds-services/x/feedback", "/healthz/", "/CDS-SERVICES",
        ] {
            #expect(CDSApplication.route(path) == nil, "\(path)")
        }
    }
}
