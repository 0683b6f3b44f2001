/// A request as the application sees it: method, path (no query), headers, whole body.
struct HTTPRequest: Sendable {
    var method: String
    var path: String
    /// Header names in lowercase.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.path = String(uri.prefix { $0 != "?" && $0 != "#" })
        self.headers = headers.map { ($0.name.lowercased(), $0.value) }
        self.body = body
    }

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
}

/// A response: status, headers, body. `close` asks for the connection to be closed after it.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var close = false

    init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], close: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.close = close
    }

    static func json(_ status: Int, _ value: JSONOutput) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: value.bytes())
    }

    /// A 4xx with a short reason and no echo of the request.
    static func error(_ status: Int, _ reason: String) -> HTTPResponse {
        json(status, .object([("error", .string(reason))]))
    }
}
