import Foundation
import Logging
import RegimenGuardCore
import RegimenGuardJournal

/// The CDS Hooks service as a function from requests to responses (CDSHOOKS.md sections 1-5), independent of the
/// HTTP server that carries them, so tests can call it directly.
final class CDSApplication: Sendable {
    enum Route: Equatable {
        case discovery, hook(HookService), feedback(HookService), healthz

        var methods: [String] {
            switch self {
            case .discovery: ["GET", "OPTIONS"]
            case .hook, .feedback: ["POST", "OPTIONS"]
            case .healthz: ["GET"]
            }
        }
    }

    let configuration: CDSConfiguration
    let policies: PolicyStore
    let keys: KeyStore
    let replayCache: ReplayCache
    let logger: Logger
    let now: @Sendable () -> Date

    init(
        configuration: CDSConfiguration,
        policies: PolicyStore,
        keys: KeyStore,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.policies = policies
        self.keys = keys
        self.replayCache = ReplayCache(capacity: configuration.replayCacheEntries)
        self.logger = logger
        self.now = now
    }

    static func route(_ path: String) -> Route? {
        switch path {
        case "/cds-services": return .discovery
        case "/healthz": return .healthz
        default: break
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].isEmpty, parts[1] == "cds-services",
            let service = HookService.find(id: parts[2])
        else {
            return nil
        }
        if parts.count == 3 { return .hook(service) }
        if parts.count == 4, parts[3] == "feedback" { return .feedback(service) }
        return nil
    }

    /// The checks that need only the request head, in the order of CDSHOOKS.md section 1: 404, 405 with `Allow`,
    /// CORS preflight, 413 by `Content-Length`. Nil when the body should be read.
    func early(
        method: String,
        path: String,
        headers: [(name: String, value: String)],
        contentLength: Int?
    ) -> HTTPResponse? {
        guard let route = CDSApplication.route(path) else { return .error(404, "no such endpoint") }
        guard route.methods.contains(method) else {
            var response = HTTPResponse.error(405, "method not allowed")
            response.headers.append(("Allow", route.methods.joined(separator: ", ")))
            return response
        }
        if method == "OPTIONS" { return preflight(route, headers: headers) }
        if let contentLength, contentLength > configuration.maxBodyBytes {
            return HTTPResponse(
                status: 413,
                headers: [("Content-Type", "application/json")],
                body: JSONOutput.object([("error", .string("body over \(configuration.maxBodyBytes) bytes"))]).bytes(),
                close: true
            )
        }
        return nil
    }

    func preflight(_ route: Route, headers: [(name: String, value: String)]) -> HTTPResponse {
        var response = HTTPResponse(status: 204, headers: [("Allow", route.methods.joined(separator: ", "))])
        if let origin = headers.first(where: { $0.name.lowercased() == "origin" })?.value,
            configuration.allowedOrigins.contains(origin)
        {
            response.headers += [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", route.methods.joined(separator: ", ")),
                ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
                ("Access-Control-Max-Age", "600"),
                ("Vary", "Origin"),
            ]
        }
        return response
    }

    /// Answers a whole request.
    func respond(_ request: HTTPRequest) -> HTTPResponse {
        if let early = early(
            method: request.method,
            path: request.path,
            headers: request.headers,
            contentLength: request.body.count
        ) {
            return early
        }
        let route = CDSApplication.route(request.path)!
        var response: HTTPResponse
        if route == .healthz {
            response = health()
        } else if let failure = authenticate(request) {
            logger.warning(
                "refused \(request.method) \(request.path): \(failure.reason)",
                metadata: authMetadata(failure, path: request.path)
            )
            response = HTTPResponse(status: 401, headers: [("WWW-Authenticate", "Bearer")])
        } else {
            switch route {
            case .discovery:
                response = .json(200, Discovery.document(lvefLOINC: policies.validator.policy.vocabulary.lvefLOINC))
            case .hook(let service): response = hook(service, request)
            case .feedback(let service): response = feedback(service, request)
            case .healthz: response = health()
            }
        }
        if let origin = request.header("origin"), configuration.allowedOrigins.contains(origin) {
            response.headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        }
        return response
    }

    private func health() -> HTTPResponse {
        let policy = policies.validator.policy
        return .json(
            200,
            .object([
                ("status", .string("ok")),
                ("policy", .object([("version", .string(policy.version)), ("digest", .string(policy.digest))])),
            ])
        )
    }

    private func authMetadata(_ failure: AuthFailure, path: String) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "message_id": .string(CDSMessageIDs.authFailure), "auth_failure": .string(failure.reason),
            "path": .string(path),
        ]
        if let iss = failure.issuer { metadata["iss"] = .string(iss) }
        return metadata
    }

    // MARK: - Authentication

    /// Nil when the call may proceed; otherwise why not (for the journal only).
    func authenticate(_ request: HTTPRequest) -> AuthFailure? {
        guard configuration.auth == .required else { return nil }
        guard let header = request.header("authorization") else {
            return AuthFailure(reason: "no Authorization header")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return AuthFailure(reason: "Authorization is not a Bearer token")
        }
        let verifier = JWTVerifier(issuers: keys.snapshot, replayCache: replayCache)
        let audience = configuration.publicBaseURL + request.path
        switch verifier.verify(
            parts[1].trimmingCharacters(in: .whitespaces)[...],
            audience: audience,
            now: now().timeIntervalSince1970
        ) {
        case .success: return nil
        case .failure(let failure): return failure
        }
    }

    // MARK: - Hooks

    /// `[A-Za-z0-9._-]{1,64}`: the order id grammar (ORDERS.md), which a UUID meets.
    static func isValidOrderID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                    || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            }
    }

    /// A practitioner reference for the log, cut short and reduced to safe characters.
    static func loggable(_ text: String?) -> String {
        guard let text else { return "" }
        return String(text.prefix(128).map { $0.isLetter || $0.isNumber || "/-._:".contains($0) ? $0 : "_" })
    }

    func hook(_ service: HookService, _ request: HTTPRequest) -> HTTPResponse {
        let started = ContinuousClock.now
        let root: JSONNode
        do {
            root = try JSONParser.parse(request.body)
        } catch {
            return badRequest(service, "the body is not JSON (\(error.reason) at byte \(error.offset))")
        }
        guard root.isObject else { return badRequest(service, "the body is not a JSON object") }
        guard let hook = root["hook"]?.string else { return badRequest(service, "hook is missing") }
        guard let instance = root["hookInstance"]?.string else { return badRequest(service, "hookInstance is missing") }
        guard let context = root["context"], context.isObject else { return badRequest(service, "context is missing") }
        guard hook == service.hook else { return badRequest(service, "this service answers the \(service.hook) hook") }
        guard CDSApplication.isValidOrderID(instance) else { return badRequest(service, "hookInstance must be a UUID") }
        guard context["patientId"]?.string != nil else { return badRequest(service, "context.patientId is missing") }
        guard let drafts = context["draftOrders"], drafts["resourceType"]?.string == "Bundle" else {
            return badRequest(service, "context.draftOrders must be a Bundle")
        }
        var selections = Set<String>()
        if service == .orderSelect {
            guard let list = context["selections"]?.array, list.allSatisfy({ $0.string != nil }) else {
                return badRequest(service, "context.selections must be a list of references")
            }
            selections = Set(list.compactMap(\.string))
        }
        let prefetch = root["prefetch"]
        if let prefetch, !prefetch.isObject, !prefetch.isNull {
            return badRequest(service, "prefetch must be an object")
        }
        let userID = CDSApplication.loggable(context["userId"]?.string)

        switch BundleJoin.join(body: request.body, orderID: instance, draftOrders: drafts, prefetch: prefetch) {
        case .incomplete(let keys):
            let outcome = JSONOutput.object([
                ("resourceType", .string("OperationOutcome")),
                (
                    "issue",
                    .array(
                        keys.map { key in
                            .object([
                                ("severity", .string("error")), ("code", .string("incomplete")),
                                ("diagnostics", .string(key.reason)), ("expression", .array([.string(key.key)])),
                            ])
                        }
                    )
                ),
            ])
            logRequest(
                service,
                instance: instance,
                userID: userID,
                decision: "incomplete",
                status: 412,
                cards: 0,
                started: started,
                extra: ["missing_prefetch": .string(keys.map(\.key).joined(separator: ","))]
            )
            return HTTPResponse(
                status: 412,
                headers: [("Content-Type", "application/fhir+json")],
                body: outcome.bytes()
            )
        case .joined(let bytes, let entries):
            let validator = policies.validator
            let verdict = validator.validate(bytes: bytes, fileName: "\(instance).json", at: now())
            let builder = CardBuilder(
                policy: validator.policy,
                service: service,
                entries: entries,
                selections: selections
            )
            let cards = builder.cards(for: verdict)
            for card in cards {
                logger.log(
                    level: card.indicator == .info ? .info : .notice,
                    "\(service.hook) \(instance): card \(card.uuid) \(card.indicator.rawValue) \(card.rule)",
                    metadata: [
                        "message_id": .string(CDSMessageIDs.card), "card_uuid": .string(card.uuid),
                        "rule": .string(card.rule),
                        "indicator": .string(card.indicator.rawValue), "hook_instance": .string(instance),
                        "hook": .string(service.hook), "fingerprint": .string(card.fingerprint),
                        "policy_version": .string(validator.policy.version),
                    ]
                )
            }
            var extra: Logger.Metadata = [
                "policy_version": .string(validator.policy.version), "policy_digest": .string(validator.policy.digest),
            ]
            if verdict.decision == .invalid {
                extra["error_paths"] = .string(verdict.errors.map(\.path).joined(separator: "; "))
            }
            logRequest(
                service,
                instance: instance,
                userID: userID,
                decision: verdict.decision.rawValue,
                status: 200,
                cards: cards.count,
                started: started,
                extra: extra
            )
            return .json(200, .object([("cards", .array(cards.map(\.json)))]))
        }
    }

    private func badRequest(_ service: HookService, _ reason: String) -> HTTPResponse {
        logger.notice(
            "\(service.hook): 400 \(reason)",
            metadata: [
                "message_id": .string(CDSMessageIDs.request), "hook": .string(service.hook), "status": "400",
                "decision": "bad-request",
            ]
        )
        return .error(400, reason)
    }

    private func logRequest(
        _ service: HookService,
        instance: String,
        userID: String,
        decision: String,
        status: Int,
        cards: Int,
        started: ContinuousClock.Instant,
        extra: Logger.Metadata
    ) {
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "message_id": .string(CDSMessageIDs.request), "hook": .string(service.hook),
            "hook_instance": .string(instance),
            "user_id": .string(userID), "decision": .string(decision), "status": .string(String(status)),
            "card_count": .string(String(cards)), "duration_ms": .string(String(format: "%.3f", ms)),
        ]
        metadata.merge(extra) { $1 }
        logger.info(
            "\(service.hook) \(instance): \(decision), \(cards) card\(cards == 1 ? "" : "s") (HTTP \(status))",
            metadata: metadata
        )
    }

    // MARK: - Feedback

    func feedback(_ service: HookService, _ request: HTTPRequest) -> HTTPResponse {
        guard let root = try? JSONParser.parse(request.body), root.isObject else {
            return .error(400, "the body is not a JSON object")
        }
        guard let items = root["feedback"]?.array else { return .error(400, "feedback must be a list") }
        struct Item {
            var card: String
            var outcome: String
            var reason: String
            var comment: Bool
            var accepted: Int
            var time: String
        }
        var parsed: [Item] = []
        for (i, item) in items.enumerated() {
            guard item.isObject, let card = item["card"]?.string, CDSApplication.isValidOrderID(card) else {
                return .error(400, "feedback[\(i)].card must be a card uuid")
            }
            guard let outcome = item["outcome"]?.string, outcome == "accepted" || outcome == "overridden" else {
                return .error(400, "feedback[\(i)].outcome must be accepted or overridden")
            }
            let overrideReason = item["overrideReason"]
            let code = overrideReason?["reason"]?["code"]?.string ?? ""
            let comment = overrideReason?["userComment"]?.string.map { !$0.isEmpty } ?? false
            let accepted = item["acceptedSuggestions"]?.array?.count ?? 0
            parsed.append(
                Item(
                    card: card,
                    outcome: outcome,
                    reason: CDSApplication.loggable(code),
                    comment: comment,
                    accepted: accepted,
                    time: CDSApplication.loggable(item["outcomeTimestamp"]?.string)
                )
            )
        }
        for item in parsed {
            var metadata: Logger.Metadata = [
                "message_id": .string(CDSMessageIDs.feedback), "card_uuid": .string(item.card),
                "outcome": .string(item.outcome),
                "comment_given": .string(item.comment ? "1" : "0"),
                "accepted_suggestions": .string(String(item.accepted)),
                "service": .string(service.id),
            ]
            if !item.reason.isEmpty { metadata["override_reason"] = .string(item.reason) }
            if !item.time.isEmpty { metadata["outcome_timestamp"] = .string(item.time) }
            logger.info(
                "feedback on card \(item.card): \(item.outcome)\(item.reason.isEmpty ? "" : " (\(item.reason))")",
                metadata: metadata
            )
        }
        return .json(200, .object([]))
    }
}
