import ArgumentParser
import Foundation
import Logging
import RegimenGuardCDS
import RegimenGuardJournal
import RegimenGuardSystemd

/// `regimen-guard serve`: the CDS Hooks service systemd runs (Docs/cds-hooks.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve CDS Hooks 2.0 (order-sign, order-select, feedback) with the same rules and policies as the spool.",
        discussion: """
            The configuration file is YAML (keys in Docs/cds-hooks.md). Under systemd (Type=notify) it reports READY, \
            STATUS, WATCHDOG, RELOADING and STOPPING; it listens on the socket systemd passes when socket-activated. \
            SIGHUP reloads the policies and the issuers' JWKS files (a broken file keeps the last good one); SIGTERM \
            lets requests in flight finish and exits 0. Exits 78 for a broken configuration, policy or key file.
            """
    )

    @Option(help: ArgumentHelp("The YAML configuration file.", valueName: "file"))
    var config: String

    @OptionGroup var policies: PolicyOptions

    @Option(
        help: ArgumentHelp(
            "HOST:PORT to listen on; wins over the file's listen (ignored under socket activation).",
            valueName: "host:port"
        )
    )
    var listen: String?

    @Option(help: "Where logs go: auto (the journal under systemd, else standard error), journal or stderr.")
    var logTarget: LogTarget = .auto

    func run() async throws {
        let target = logTarget.resolved(environment: ProcessInfoEnvironment.current)
        LoggingSystem.bootstrap(target.handlerFactory())
        let logger = Logger(label: "regimen-guard")
        var configuration: CDSConfiguration
        do {
            guard let data = FileManager.default.contents(atPath: config) else {
                throw ConfigurationError(problems: ["cannot read the file"])
            }
            configuration = try CDSConfiguration(yaml: String(decoding: data, as: UTF8.self))
            if let listen {
                guard let address = ListenAddress(parsing: listen) else {
                    throw ConfigurationError(problems: ["--listen: must be HOST:PORT"])
                }
                configuration.listen = address
            }
        } catch {
            StandardError.write("regimen-guard: the configuration \(config) cannot be used:\n\(error)\n")
            throw ExitCodes.brokenPolicy
        }
        let directories = policies.directories.isEmpty ? configuration.policyDirectories : policies.directories
        configuration.policyDirectories = PolicyOptions.resolve(directories)
        do {
            try await CDSServer(configuration: configuration, logger: logger).run()
        } catch let error as CDSServer.StartError {
            logger.critical(
                "regimen-guard serve cannot start: \(error)",
                metadata: ["message_id": .string(CDSMessageIDs.started)]
            )
            StandardError.write("regimen-guard: \(error)\n")
            throw ExitCodes.brokenPolicy
        }
    }
}
