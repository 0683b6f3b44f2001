import ArgumentParser
import Logging
import RegimenGuardCore
import RegimenGuardJournal
import RegimenGuardPolicyStore
import RegimenGuardService
import RegimenGuardSystemd

/// `regimen-guard watch`: the spool service systemd runs.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Serve a spool folder: validate every order dropped into incoming/, write its verdict, archive it.",
        discussion: """
            Folders: incoming/ (pharmacy systems rename orders in), verdicts/ (<name>.verdict.json), archive/ \
            (originals), quarantine/ (entries that are not readable regular files). SIGHUP reloads the policies \
            (a broken set keeps the last good one); SIGTERM finishes the orders in hand and exits 0. Under systemd \
            (Type=notify) it reports READY, STATUS, WATCHDOG, RELOADING and STOPPING.
            """
    )

    @Option(help: ArgumentHelp("The spool folder (created with its sub-folders when missing).", valueName: "dir"))
    var spool: String

    @OptionGroup var policies: PolicyOptions

    @Option(help: "Seconds a file written in place must stay unchanged before it is taken.")
    var settleTime: Double = 1

    @Option(help: "Largest order file read, in bytes; larger ones are quarantined unread.")
    var maxSize: Int = 1 << 20

    @Option(help: "Seconds between full rescans of incoming/ (for NFS); 0 disables.")
    var rescanInterval: Double = 60

    @Option(help: "Orders validated at once (default: the available cores).")
    var workers: Int = System.coreCount

    @Option(help: "Orders larger than this many bytes are judged on a lane of their own, one at a time.")
    var heavySize: Int = 16 << 10

    @Option(help: "An order in hand at more crashes or watchdog kills than this is quarantined as invalid.")
    var maxCrashes: Int = 2

    @Option(
        help:
            "Seconds one order may be judged before the watchdog is no longer fed (systemd then kills and restarts the service)."
    )
    var judgeTimeLimit: Double = 120

    @Option(help: "Where logs go: auto (the journal under systemd, else standard error), journal or stderr.")
    var logTarget: LogTarget = .auto

    @Flag(
        help:
            "Beside the verdict of a FHIR order, also write <name>.verdict.fhir.json: the verdict as a FHIR R4 Bundle."
    )
    var fhirVerdicts = false

    @Flag(help: "Drain the orders already there, then exit 0.")
    var exitWhenIdle = false

    @Option(name: .customLong("incoming-name"), help: "Name of the incoming folder.") var incomingName = "incoming"
    @Option(name: .customLong("verdicts-name"), help: "Name of the verdicts folder.") var verdictsName = "verdicts"
    @Option(name: .customLong("archive-name"), help: "Name of the archive folder.") var archiveName = "archive"
    @Option(name: .customLong("quarantine-name"), help: "Name of the quarantine folder.") var quarantineName =
        "quarantine"

    func validate() throws {
        guard settleTime >= 0, rescanInterval >= 0 else { throw ValidationError("Times must not be negative.") }
        guard maxSize > 0, workers > 0, heavySize > 0, judgeTimeLimit > 0 else {
            throw ValidationError("--max-size, --workers, --heavy-size and --judge-time-limit must be positive.")
        }
        guard maxCrashes >= 0 else { throw ValidationError("--max-crashes must not be negative.") }
        let names = [incomingName, verdictsName, archiveName, quarantineName]
        guard Set(names).count == 4, names.allSatisfy({ !$0.isEmpty && !$0.contains("/") && !$0.hasPrefix(".") }) else {
            throw ValidationError(
                "The four folder names must differ, and be plain names (no '/', not starting with '.')."
            )
        }
    }

    func run() async throws {
        let target = logTarget.resolved(environment: ProcessInfoEnvironment.current)
        LoggingSystem.bootstrap(target.handlerFactory())
        let logger = Logger(label: "regimen-guard")
        let policy = try policies.load()

        var configuration = SpoolConfiguration(root: spool)
        configuration.incoming = incomingName
        configuration.verdicts = verdictsName
        configuration.archive = archiveName
        configuration.quarantine = quarantineName
        configuration.maxSize = maxSize
        configuration.settleTime = .milliseconds(Int64(settleTime * 1000))
        configuration.workers = workers
        configuration.fhirVerdicts = fhirVerdicts
        configuration.heavySize = heavySize
        configuration.maxCrashes = maxCrashes
        configuration.judgeTimeLimit = .milliseconds(Int64(judgeTimeLimit * 1000))
        let opened: Spool
        do {
            opened = try Spool(configuration: configuration)
        } catch {
            logger.critical(
                "cannot open the spool \(spool): \(error)",
                metadata: ["message_id": .string(MessageIDs.serviceFault)]
            )
            throw ExitCode(73)  // EX_CANTCREAT
        }
        let options = SpoolService.Options(
            rescanInterval: rescanInterval > 0 ? .milliseconds(Int64(rescanInterval * 1000)) : nil,
            exitWhenIdle: exitWhenIdle
        )
        let store = PolicyStore(directories: policies.resolvedDirectories, initial: policy, logger: logger)
        let service = SpoolService(spool: opened, store: store, options: options, logger: logger)
        try await service.runUntilShutdown()
    }
}

extension LogTarget: ExpressibleByArgument {}
