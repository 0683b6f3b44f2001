import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardPolicyStore
import RegimenGuardSystemd
import ServiceLifecycle
import UnixSignals

/// `regimen-guard serve`: the CDS Hooks 2.0 service (CDSHOOKS.md), on SwiftNIO's HTTP/1.1 server.
///
/// It listens on the socket systemd passed (socket activation) or on ``CDSConfiguration/listen``, reports
/// `READY=1` once listening, reloads policies and JWKS files on SIGHUP (one reload of the ``PolicyStore`` the spool
/// uses too, with the keys as its companion: `RELOADING=1` … `READY=1`; a broken file keeps the last good state),
/// feeds the watchdog only while every event loop answers, and on SIGTERM or SIGINT stops accepting, lets requests
/// in flight finish (up to ``gracePeriod``), and returns.
public struct CDSServer: Sendable {
    public var configuration: CDSConfiguration
    public var logger: Logger
    public var notifier: Notifier
    /// How long a graceful stop waits for requests in flight.
    public var gracePeriod: Duration = .seconds(10)

    /// - Parameters:
    ///   - configuration: the loaded configuration (``CDSConfiguration/policyDirectories`` already resolved).
    ///   - logger: where the decision log and the service's own entries go (the journal under systemd).
    public init(configuration: CDSConfiguration, logger: Logger, notifier: Notifier = Notifier()) {
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
    }

    /// Why the server cannot start.
    public enum StartError: Error, CustomStringConvertible {
        case configuration(ConfigurationError)
        case policy(PolicyError)
        case listen(String)

        public var description: String {
            switch self {
            case .configuration(let error): "configuration: \(error)"
            case .policy(let error): "policy: \(error)"
            case .listen(let text): text
            }
        }
    }

    /// Runs until SIGTERM or SIGINT: the HTTP service and the policy store (whose SIGHUP reload also reloads the
    /// keys) in one `ServiceGroup`, as the spool runs with the same store.
    /// - Throws: ``StartError`` when the policy, the keys or the listening socket cannot be used.
    public func run() async throws {
        let initial: PolicySet
        do {
            initial = try PolicyDirectories.load(configuration.policyDirectories)
        } catch {
            throw StartError.policy(error)
        }
        let keys: KeyStore
        do {
            keys = try KeyStore(issuers: configuration.issuers)
        } catch {
            throw StartError.configuration(error)
        }
        let listeningOn = Locked("")
        let policies = PolicyStore(
            directories: configuration.policyDirectories,
            initial: initial,
            logger: logger,
            notifier: notifier,
            companions: [
                { [logger] _ in keys.reload(logger: logger) },
                { [notifier] policy in
                    notifier.status("serving CDS Hooks on \(listeningOn.withLock { $0 }); policy \(policy.version)")
                },
            ]
        )
        let app = CDSApplication(configuration: configuration, policies: policies, keys: keys, logger: logger)
        let tracker = ConnectionTracker()
        let threads = configuration.threads > 0 ? configuration.threads : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 512)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A connection that sends nothing for 60 s is closed (slow or idle clients hold no resources).
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(app: app, tracker: tracker))
                }
            }

        let server: any Channel
        let where_: String
        do {
            if let fd = SocketActivation.listeningSocket() {
                try configuration.checkExposure(listeningOnLoopback: SocketActivation.isLoopback(fd: fd))
                server = try await bootstrap.withBoundSocket(fd).get()
                where_ = "the socket passed by systemd (\(server.localAddress.map { "\($0)" } ?? "fd \(fd)"))"
            } else {
                try configuration.checkExposure(listeningOnLoopback: configuration.listen.isLoopback)
                server = try await bootstrap.bind(host: configuration.listen.host, port: configuration.listen.port)
                    .get()
                where_ = configuration.listen.description
            }
        } catch let error as ConfigurationError {
            try? await group.shutdownGracefully()
            throw StartError.configuration(error)
        } catch {
            try? await group.shutdownGracefully()
            throw StartError.listen("cannot listen on \(configuration.listen): \(error)")
        }
        listeningOn.withLock { $0 = where_ }

        let http = HTTPService(
            server: server,
            group: group,
            tracker: tracker,
            policies: policies,
            listeningOn: where_,
            configuration: configuration,
            logger: logger,
            notifier: notifier,
            gracePeriod: gracePeriod
        )
        let services = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: policies),
                    .init(service: http, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await services.run()
    }
}

/// The listening server as a `Service`: reports READY=1 once the policy store traps SIGHUP, feeds the watchdog,
/// and on graceful shutdown stops accepting, lets requests in flight finish (up to the grace period) and returns.
private final class HTTPService: Service, Sendable {
    let server: any Channel
    let group: MultiThreadedEventLoopGroup
    let tracker: ConnectionTracker
    let policies: PolicyStore
    let listeningOn: String
    let configuration: CDSConfiguration
    let logger: Logger
    let notifier: Notifier
    let gracePeriod: Duration

    init(
        server: any Channel,
        group: MultiThreadedEventLoopGroup,
        tracker: ConnectionTracker,
        policies: PolicyStore,
        listeningOn: String,
        configuration: CDSConfiguration,
        logger: Logger,
        notifier: Notifier,
        gracePeriod: Duration
    ) {
        self.server = server
        self.group = group
        self.tracker = tracker
        self.policies = policies
        self.listeningOn = listeningOn
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
        self.gracePeriod = gracePeriod
    }

    func run() async throws {
        let where_ = listeningOn
        let policy = policies.current
        logger.info(
            "regimen-guard CDS Hooks service listening on \(where_), auth \(configuration.auth.rawValue), policy \(policy.version), \(configuration.issuers.count) trusted issuer\(configuration.issuers.count == 1 ? "" : "s")",
            metadata: [
                "message_id": .string(CDSMessageIDs.started), "policy_version": .string(policy.version),
                "policy_digest": .string(policy.digest), "auth": .string(configuration.auth.rawValue),
            ]
        )
        if configuration.auth == .none {
            logger.warning(
                "authentication is OFF (auth: none): any local process can call this service; use only for development on loopback",
                metadata: ["message_id": .string(CDSMessageIDs.authDisabled)]
            )
        }
        // SIGHUP must be trapped before READY=1: its default action ends the process, and a reload may follow at once.
        await policies.waitUntilListening()
        notifier.ready()
        notifier.status("serving CDS Hooks on \(where_); policy \(policies.current.version)")

        let watchdog = Task { [notifier, group] in
            guard let interval = notifier.watchdogInterval else { return }
            while !Task.isCancelled {
                // Ping only when every event loop runs a task: a stuck loop stops the pings and systemd restarts us.
                var healthy = true
                for loop in group.makeIterator() {
                    do { try await loop.submit {}.get() } catch { healthy = false }
                }
                if healthy { notifier.watchdog() }
                try? await Task.sleep(for: interval)
            }
        }

        // Until SIGTERM or SIGINT (the group's graceful shutdown), or cancellation.
        try? await gracefulShutdown()

        // Graceful stop: refuse new connections, let requests in flight finish, then close the rest.
        notifier.stopping()
        logger.info(
            "regimen-guard CDS Hooks service stopping",
            metadata: ["message_id": .string(MessageIDs.serviceStopping)]
        )
        try? await server.close()
        tracker.quiesceAll()
        let deadline = ContinuousClock.now.advanced(by: gracePeriod)
        while tracker.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        tracker.closeAll()
        watchdog.cancel()
        try? await group.shutdownGracefully()
    }
}
