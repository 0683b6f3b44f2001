// The CDS Hooks section of regimen-guard-bench: `regimen-guard serve` (authentication off, loopback) answering
// order-sign requests with a 30-resource prefetch over one keep-alive connection, timed per request, and its RSS.
// JWT verification, a fixed rate, saturation and the nginx floor are measured by Scripts/bench-cds (wrk).
import Foundation
import Glibc

enum CDSBench {
    /// A 30-resource order-sign request: three drafts (trastuzumab, pertuzumab, docetaxel), HER2/ER/PR results,
    /// weights and LVEFs over a year, one metastatic Condition.
    static func request(instance: String) -> String {
        func observation(_ id: String, _ loinc: String, _ value: Int, _ unit: String, _ date: String) -> String {
            #"{"fullUrl":"https://ehr.example.org/fhir/Observation/\#(id)","resource":{"resourceType":"Observation","id":"\#(id)","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"\#(loinc)"}]},"effectiveDateTime":"\#(date)","valueQuantity":{"value":\#(value),"unit":"\#(unit)","system":"http://unitsofmeasure.org","code":"\#(unit)"}}}"#
        }
        func coded(_ id: String, _ loinc: String) -> String {
            #"{"resource":{"resourceType":"Observation","id":"\#(id)","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"\#(loinc)"}]},"effectiveDateTime":"2026-10-20","valueCodeableConcept":{"coding":[{"system":"http://loinc.org","code":"LA6576-8"}]}}}"#
        }
        func draft(_ id: String, _ rxnorm: String, _ text: String) -> String {
            #"{"resource":{"resourceType":"MedicationRequest","id":"\#(id)","status":"draft","intent":"order","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"\#(rxnorm)"}],"text":"\#(text)"},"dosageInstruction":[{"timing":{"repeat":{"boundsPeriod":{"start":"2026-12-01"},"count":6,"frequency":1,"period":3,"periodUnit":"wk"}}}]}}"#
        }
        var observations = [coded("her2", "48676-1"), coded("er", "16112-5"), coded("pr", "16113-3")]
        for day in 0..<12 {
            observations.append(
                observation(
                    "w\(day)",
                    "29463-7",
                    68 + day % 3,
                    "kg",
                    "2026-\(String(format: "%02d", 1 + day % 11))-1\(day % 9)"
                )
            )
            observations.append(
                observation(
                    "l\(day)",
                    "10230-1",
                    60 + day % 4,
                    "%",
                    "2026-\(String(format: "%02d", 1 + day % 11))-2\(day % 9)"
                )
            )
        }
        let condition =
            #"{"resource":{"resourceType":"Condition","id":"met","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"128462008"}]},"onsetDateTime":"2026-10-30"}}"#
        let drafts = [
            draft("mr-t", "224905", "trastuzumab"), draft("mr-p", "1298944", "pertuzumab"),
            draft("mr-d", "72962", "docetaxel"),
        ]
        return
            #"{"hook":"order-sign","hookInstance":"\#(instance)","context":{"userId":"Practitioner/1","patientId":"p1","draftOrders":{"resourceType":"Bundle","type":"collection","entry":[\#(drafts.joined(separator: ","))]}},"prefetch":{"patient":{"resourceType":"Patient","id":"p1"},"observations":{"resourceType":"Bundle","type":"searchset","entry":[\#(observations.joined(separator: ","))]},"conditions":{"resourceType":"Bundle","type":"searchset","entry":[\#(condition)]},"medicationHistory":{"resourceType":"Bundle","type":"searchset","entry":[]}}}"#
    }

    /// A blocking HTTP/1.1 client on one keep-alive connection (enough for a sequential benchmark).
    struct Connection {
        let fd: Int32

        init?(port: UInt16) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if !ok {
                Glibc.close(fd)
                return nil
            }
        }

        /// Sends a request and reads the whole response; returns its status and body size.
        func exchange(_ request: [UInt8]) -> (status: Int, bodyBytes: Int)? {
            var sent = 0
            while sent < request.count {
                let n = request.withUnsafeBytes { write(fd, $0.baseAddress! + sent, request.count - sent) }
                if n <= 0 { return nil }
                sent += n
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            var received: [UInt8] = []
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
                if n <= 0 { return nil }
                received.append(contentsOf: buffer[0..<n])
                guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count - end.upperBound >= length {
                    let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                    return (status, length)
                }
            }
        }

        func close() { Glibc.close(fd) }
    }

    static func post(_ body: String, port: UInt16) -> [UInt8] {
        let bytes = Array(body.utf8)
        return Array(
            "POST /cds-services/regimen-guard-order-sign HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n"
                .utf8
        ) + bytes
    }

    static func rssKiB(_ pid: Int32) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// Runs the section and prints its rows with `row`.
    static func run(binary: String, policies: String, quick: Bool, row: (String, String, String) -> Void) {
        let directory = NSTemporaryDirectory() + "rg-cds-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = UInt16(20000 + Int(getpid() % 20000))
        let config = directory + "/cds.yaml"
        let yaml =
            "public_base_url: http://127.0.0.1:\(port)\nlisten: 127.0.0.1:\(port)\nauth: none\npolicies: [\(policies)]\n"
        _ = FileManager.default.createFile(atPath: config, contents: Data(yaml.utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", config, "--log-target", "stderr"]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        do { try process.run() } catch {
            row("CDS: order-sign", "cannot start \(binary): \(error)", "")
            return
        }
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(30)
        var connection: Connection?
        while connection == nil, Date() < deadline {
            connection = Connection(port: port)
            if connection == nil { usleep(20_000) }
        }
        guard let connection else {
            row("CDS: order-sign", "the service did not listen", "")
            return
        }
        defer { connection.close() }
        let pid = process.processIdentifier
        let rest = rssKiB(pid)
        let count = quick ? 300 : 20_000
        let bodies = (0..<64).map { post(request(instance: "bench-\($0)"), port: port) }
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        var responseBytes = 0
        let clock = ContinuousClock()
        let started = clock.now
        for i in 0..<count {
            let t0 = clock.now
            guard let (status, bytes) = connection.exchange(bodies[i % bodies.count]), status == 200 else {
                row("CDS: order-sign", "request \(i) failed", "")
                return
            }
            let elapsed = clock.now - t0
            latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            responseBytes = bytes
        }
        let total = clock.now - started
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        latencies.sort()
        func p(_ q: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * q))] }
        row(
            "CDS: order-sign, 30 resources, 1 connection",
            String(
                format: "%.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms",
                Double(count) / seconds,
                p(0.5),
                p(0.99),
                latencies.last ?? 0
            ),
            "sequential, no JWT (Scripts/bench-cds: JWT, wrk, nginx floor)"
        )
        row("CDS: request / response size", "\(bodies[0].count) B / \(responseBytes) B", "")
        row("CDS: RSS at rest / after \(count) requests", "\(rest / 1024) MB / \(rssKiB(pid) / 1024) MB", "")
    }
}
