import Foundation
import Glibc

/// A `regimen-guard watch` process started by a test, to signal and wait for.
public final class ServiceProcess: @unchecked Sendable {
    public let process = Process()
    private let errors = Pipe()
    private var stderrReader: ReadToEnd?

    /// Starts the service; its standard error goes to `stderrFile` when given (to watch it while it runs),
    /// else it is collected for ``wait()``. A `launcher` (such as `setpriv` with its options) runs `executable`.
    public init(
        arguments: [String],
        environment: [String: String] = [:],
        stderrFile: String? = nil,
        launcher: [String] = [],
        executable: String = ProcessRunner.regimenGuard
    ) throws {
        let command = launcher + [executable] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var env = ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        process.environment = env
        if let stderrFile {
            _ = FileManager.default.createFile(atPath: stderrFile, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderrFile)
        } else {
            process.standardError = errors
        }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        if stderrFile == nil { stderrReader = ReadToEnd(errors.fileHandleForReading) }
    }

    /// A test that gives up early never leaves its service running.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public var pid: Int32 { process.processIdentifier }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process to exit; returns its status and standard error.
    public func wait() -> (status: Int32, reason: Process.TerminationReason, stderr: String) {
        process.waitUntilExit()
        let text = String(decoding: stderrReader?.wait() ?? Data(), as: UTF8.self)
        return (process.terminationStatus, process.terminationReason, text)
    }
}

/// Drops an order the way the contract asks: write it elsewhere on the same filesystem, then rename it in.
public func drop(_ contents: String, as name: String, into spool: String) throws {
    let staging = spool + "/.staging-" + name
    try Data(contents.utf8).write(to: URL(fileURLWithPath: staging))
    guard rename(staging, spool + "/incoming/" + name) == 0 else { throw POSIXError(.EIO) }
}

/// Names of the entries of a folder (empty when it does not exist).
public func entries(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}
