// regimen-guard-bench: measures the validator and the spool service and prints a table, each figure beside the
// comparison measured in the same run. Run from the repository root:
//
//     swift build -c release --static-swift-stdlib && .build/release/regimen-guard-bench   # the full run (minutes)
//     .build/release/regimen-guard-bench --quick                              # a smoke run (seconds)
//
// Benchmarks are not tests: nothing here asserts a time.
import CLinux
import Foundation
import Glibc
import RegimenGuardCore
import RegimenGuardPolicyStore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("regimen-guard-bench: \(message)\n".utf8))
    exit(1)
}

final class Service {
    let process = Process()
    init(_ spool: String, binary: String, policies: String, _ extra: [String] = []) {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            ["watch", "--spool", spool, "--policies", policies, "--settle-time", "0", "--log-target", "stderr"] + extra
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { fail("cannot start \(binary): \(error)") }
    }
    var pid: Int32 { process.processIdentifier }
    func stop() {
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }
}

@main
struct Bench {
    static func main() {
        let quick = CommandLine.arguments.contains("--quick")
        let root = FileManager.default.currentDirectoryPath
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "regimen-guard"
        ).path
        let policies = root + "/Policies"

        func now() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }

        func percentile(_ sorted: [Double], _ p: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }

        var rows: [(String, String, String)] = []
        func row(_ what: String, _ value: String, _ comparison: String) {
            rows.append((what, value, comparison))
            func pad(_ text: String, _ width: Int) -> String {
                text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
            }
            print(pad(what, 46) + pad(value, 42) + comparison)
        }

        // MARK: - Orders

        let examples = root + "/Examples/spool/incoming"
        guard let jsonData = FileManager.default.contents(atPath: examples + "/RX-2026-000101.json"),
            let csvData = FileManager.default.contents(atPath: examples + "/RX-2026-000102.csv")
        else { fail("run from the repository root") }
        let typicalJSON = Array(jsonData), typicalCSV = Array(csvData)
        let mixed = ((try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []).sorted().map {
            ($0, Array(FileManager.default.contents(atPath: examples + "/" + $0)!))
        }

        func policySet() -> PolicySet {
            do { return try PolicyDirectories.load([policies]) } catch { fail("policy: \(error)") }
        }

        // MARK: - 1. Core throughput, one core

        let validator = Validator(policy: policySet())
        if CoreCost.callgrindMode(validator: validator) { return }
        /// Orders per second over rounds of 10,000: the median, and the range, since a shared machine's speed
        /// varies from one second to the next.
        func throughput(_ bytes: [UInt8], _ name: String) -> String {
            let rounds = quick ? 1 : 7, count = quick ? 2_000 : 10_000
            let date = Date()
            var decisions = 0
            var rates: [Double] = []
            for _ in 0..<rounds {
                let start = now()
                for _ in 0..<count {
                    decisions &+= validator.validate(bytes: bytes, fileName: name, at: date).findings.count
                }
                rates.append(Double(count) / (now() - start))
            }
            if decisions < 0 { print(decisions) }
            rates.sort()
            if rounds == 1 { return String(format: "%.0f orders/s", rates[0]) }
            return String(format: "%.0f orders/s (median; %.0f-%.0f)", rates[rounds / 2], rates.first!, rates.last!)
        }
        let policyLoadStart = now()
        _ = policySet()
        let policyLoad = now() - policyLoadStart
        row("core: parse + validate, JSON (1 core)", throughput(typicalJSON, "o.json"), "goal >= 50,000 orders/s")
        row("core: parse + validate, CSV (1 core)", throughput(typicalCSV, "o.csv"), "goal >= 50,000 orders/s")
        FHIRBench.run(validator, examples: examples, quick: quick, row: row)
        row("core: policy load + validation", String(format: "%.1f ms", policyLoad * 1000), "at start and on SIGHUP")
        CoreCost.rows(validator: validator, typical: typicalJSON, quick: quick, row: row)
        if CommandLine.arguments.contains("--core") { return }

        // MARK: - Spool helpers

        func makeSpool(_ label: String) -> String {
            let path = NSTemporaryDirectory() + "regimen-guard-bench-\(label)-\(getpid())"
            try? FileManager.default.removeItem(atPath: path)
            for folder in ["incoming", "verdicts", "archive", "quarantine", "staging"] {
                try! FileManager.default.createDirectory(atPath: path + "/" + folder, withIntermediateDirectories: true)
            }
            return path
        }

        func fill(_ spool: String, _ folder: String, count: Int) {
            for index in 0..<count {
                let (name, bytes) = mixed[index % mixed.count]
                let file = String(format: "%06d-", index) + name
                _ = FileManager.default.createFile(atPath: "\(spool)/\(folder)/\(file)", contents: Data(bytes))
            }
        }

        func count(_ path: String) -> Int { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).count }

        /// `/proc/<pid>/status` fields in kB (VmRSS, VmHWM) or counts (voluntary_ctxt_switches, ...).
        func status(_ pid: Int32, _ key: String) -> Int {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
            for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
                return Int(
                    line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init)?
                        .trimmingCharacters(in: .whitespaces) ?? ""
                ) ?? -1
            }
            return -1
        }

        /// utime + stime of a process, in seconds.
        func cpuTime(_ pid: Int32) -> Double {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = text.lastIndex(of: ")")
            else { return -1 }
            let fields = text[text.index(after: close)...].split(separator: " ")
            return (Double(fields[11]) ?? 0) / 100 + (Double(fields[12]) ?? 0) / 100
        }

        func waitFor(_ condition: () -> Bool, timeout: Double = 600) -> Bool {
            let deadline = now() + timeout
            while now() < deadline {
                if condition() { return true }
                usleep(2_000)
            }
            return condition()
        }

        // MARK: - 2. Backlog against the I/O floor and a process per order

        /// The floor: the file operations the service needs per order, each order on its own (read, write the verdict,
        /// fsync, rename, fsync the folder, move the original to archive/), with no validation.
        func ioFloor(_ spool: String) -> Double {
            let incoming = open(spool + "/incoming", O_RDONLY | O_DIRECTORY),
                verdicts = open(spool + "/verdicts", O_RDONLY | O_DIRECTORY)
            let archive = open(spool + "/archive", O_RDONLY | O_DIRECTORY)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: spool + "/incoming")) ?? []).sorted()
            let start = now()
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            for name in names {
                let fd = openat(incoming, name, O_RDONLY | O_NOFOLLOW)
                let got = read(fd, &buffer, buffer.count)
                close(fd)
                let temp = ".tmp." + name
                let out = openat(verdicts, temp, O_WRONLY | O_CREAT | O_EXCL, 0o640)
                _ = write(out, buffer, max(0, got))
                fsync(out)
                close(out)
                renameat(verdicts, temp, verdicts, name + ".verdict.json")
                fsync(verdicts)
                renameat(incoming, name, archive, name)
                fsync(archive)
                fsync(incoming)
            }
            let elapsed = now() - start
            for fd in [incoming, verdicts, archive] { close(fd) }
            return elapsed
        }

        let backlog = quick ? 500 : 10_000
        let floorSpool = makeSpool("floor")
        fill(floorSpool, "incoming", count: backlog)
        let floorTime = ioFloor(floorSpool)

        let serviceSpool = makeSpool("backlog")
        fill(serviceSpool, "staging", count: backlog)
        let service = Service(serviceSpool, binary: binary, policies: policies)
        _ = waitFor({ status(service.pid, "VmRSS") > 0 })
        usleep(200_000)
        let rssStart = status(service.pid, "VmRSS")
        let dropStart = now()
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: serviceSpool + "/staging")) ?? []) {
            rename("\(serviceSpool)/staging/\(name)", "\(serviceSpool)/incoming/\(name)")
        }
        _ = waitFor({ count(serviceSpool + "/archive") >= backlog })
        let serviceTime = now() - dropStart
        row(
            "backlog: \(backlog) orders, service",
            String(format: "%.2f s (%.0f orders/s)", serviceTime, Double(backlog) / serviceTime),
            String(format: "I/O floor %.2f s: service is %.1fx the floor's speed", floorTime, floorTime / serviceTime)
        )

        let perProcessCount = quick ? 100 : 1_000
        let processSpool = makeSpool("process")
        fill(processSpool, "incoming", count: perProcessCount)
        let processStart = now()
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: processSpool + "/incoming")) ?? []).sorted()
        {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["validate", "--format", "json", "--policies", policies, processSpool + "/incoming/" + name]
            let out = FileHandle(forWritingAtPath: "/dev/null")!
            p.standardOutput = out
            p.standardError = out
            try? p.run()
            p.waitUntilExit()
        }
        let perProcessRate = Double(perProcessCount) / (now() - processStart)
        row(
            "alternative: a process per order",
            String(format: "%.0f orders/s (%d orders)", perProcessRate, perProcessCount),
            String(format: "service is %.0fx faster", (Double(backlog) / serviceTime) / perProcessRate)
        )

        // MARK: - 3. Latency at a steady rate

        let rate = 200.0
        let duration = quick ? 3.0 : 60.0
        let latencySpool = serviceSpool
        let total = Int(rate * duration)
        fill(latencySpool, "staging", count: total)
        let staged = ((try? FileManager.default.contentsOfDirectory(atPath: latencySpool + "/staging")) ?? []).sorted()
        var dropped: [String: Double] = [:]
        var latencies: [Double] = []
        let watch = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        inotify_add_watch(watch, latencySpool + "/verdicts", UInt32(IN_MOVED_TO))
        var eventBuffer = [UInt8](repeating: 0, count: 1 << 16)
        func collect() {
            while true {
                let got = read(watch, &eventBuffer, eventBuffer.count)
                if got <= 0 { return }
                let seen = now()
                var offset = 0
                while offset + 16 <= got {
                    let length = Int(eventBuffer[offset + 12]) | Int(eventBuffer[offset + 13]) << 8
                    let name = String(
                        decoding: eventBuffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 },
                        as: UTF8.self
                    )
                    let order = name.replacingOccurrences(of: ".verdict.json", with: "")
                    if let at = dropped.removeValue(forKey: order) { latencies.append(seen - at) }
                    offset += 16 + length
                }
            }
        }
        let steadyStart = now()
        for (index, name) in staged.prefix(total).enumerated() {
            let due = steadyStart + Double(index) / rate
            while now() < due {
                collect()
                usleep(200)
            }
            dropped[name] = now()
            rename("\(latencySpool)/staging/\(name)", "\(latencySpool)/incoming/\(name)")
        }
        _ = waitFor(
            {
                collect()
                return dropped.isEmpty
            },
            timeout: 30
        )
        let sorted = latencies.sorted()
        row(
            "latency: drop to verdict at \(Int(rate))/s for \(Int(duration)) s",
            String(format: "p50 %.2f ms, p99 %.2f ms", percentile(sorted, 0.5) * 1000, percentile(sorted, 0.99) * 1000),
            String(
                format: "max %.2f ms; goal p99 <= 10 ms; %d of %d seen",
                (sorted.last ?? .nan) * 1000,
                sorted.count,
                total
            )
        )

        // MARK: - 4. Memory and idle

        let extra = quick ? 2_000 : 100_000 - backlog - total
        var remaining = extra
        while remaining > 0 {
            let chunk = min(remaining, 5_000)
            fill(latencySpool, "staging", count: chunk)
            let before = count(latencySpool + "/archive")  // emptied after each chunk
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: latencySpool + "/staging")) ?? []) {
                rename("\(latencySpool)/staging/\(name)", "\(latencySpool)/incoming/\(name)")
            }
            _ = waitFor({ count(latencySpool + "/archive") >= before + chunk })
            // Keep the spool's folders small so file-system growth does not blur the service's own memory.
            for folder in ["archive", "verdicts"] {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: latencySpool + "/" + folder)) ?? [] {
                    try? FileManager.default.removeItem(atPath: latencySpool + "/" + folder + "/" + name)
                }
            }
            remaining -= chunk
        }
        let served = backlog + total + extra
        row("memory: RSS after start", "\(rssStart / 1024) MB (\(rssStart) kB)", "goal <= 30 MB")
        row(
            "memory: RSS after \(served) orders",
            "\(status(service.pid, "VmRSS") / 1024) MB (\(status(service.pid, "VmRSS")) kB)",
            "peak \(status(service.pid, "VmHWM")) kB; goal flat, <= 30 MB"
        )

        let idleSeconds = quick ? 3.0 : 60.0
        let cpuBefore = cpuTime(service.pid)
        var threadsWake = 0
        /// Context switches per live thread; a wake-up count is the sum of increases over threads alive at the end.
        func threadSwitches(_ pid: Int32) -> [String: Int] {
            var counts: [String: Int] = [:]
            for tid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
                guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8) else {
                    continue
                }
                counts[tid] = text.split(separator: "\n").filter { $0.contains("ctxt_switches") }
                    .compactMap {
                        Int($0.split(separator: "\t").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "")
                    }.reduce(0, +)
            }
            return counts
        }
        let threadsBefore = threadSwitches(service.pid)
        usleep(useconds_t(idleSeconds * 1_000_000))
        threadsWake = threadSwitches(service.pid).reduce(0) { $0 + max(0, $1.value - (threadsBefore[$1.key] ?? 0)) }
        row(
            "idle: \(Int(idleSeconds)) s with nothing to do",
            String(format: "%.3f s CPU, %d wake-ups", cpuTime(service.pid) - cpuBefore, threadsWake),
            "goal: none but the watchdog; libdispatch adds 1/s"
        )
        service.stop()
        for spool in [floorSpool, serviceSpool, processSpool] { try? FileManager.default.removeItem(atPath: spool) }

        CDSBench.run(binary: binary, policies: policies, quick: quick, row: row)

        var machine = utsname()
        uname(&machine)
        let release = withUnsafeBytes(of: machine.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        print(
            "\nmachine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB, Linux \(release), file system of \(NSTemporaryDirectory())"
        )

    }
}
