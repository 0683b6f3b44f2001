import Logging
import NIOCore
import NIOHTTP1

/// Asks a connection to close once its current request is answered (graceful stop).
struct QuiesceEvent: Sendable {}

/// One HTTP/1.1 connection: reads a request head, answers the head-only checks at once, reads the body up to the
/// limit (413 and close beyond it), then hands the whole request to ``CDSApplication``.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case reading(HTTPRequestHead, ByteBuffer)
        /// Answered early; the rest of this request's body is dropped.
        case discarding
    }

    private let app: CDSApplication
    private let tracker: ConnectionTracker
    private var state = State.idle
    private var quiescing = false
    private var busy = false

    init(app: CDSApplication, tracker: ConnectionTracker) {
        self.app = app
        self.tracker = tracker
    }

    func channelActive(context: ChannelHandlerContext) {
        tracker.opened(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tracker.closed(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            busy = true
            let hasBody =
                head.headers["transfer-encoding"].contains { $0.lowercased().contains("chunked") }
                || (head.headers["content-length"].first.flatMap { Int($0) } ?? 0) > 0
            let length = head.headers["content-length"].first.flatMap { Int($0) }
            let headers = head.headers.map { (name: $0.name, value: $0.value) }
            if var early = app.early(
                method: head.method.rawValue,
                path: String(head.uri.prefix { $0 != "?" }),
                headers: headers,
                contentLength: length
            ) {
                if hasBody { early.close = true }
                state = .discarding
                write(early, version: head.version, keepAlive: head.isKeepAlive, context: context)
                return
            }
            if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                    promise: nil
                )
            }
            state = .reading(
                head,
                context.channel.allocator.buffer(capacity: min(length ?? 4096, app.configuration.maxBodyBytes))
            )
        case .body(var chunk):
            guard case .reading(let head, var body) = state else { return }
            if body.readableBytes + chunk.readableBytes > app.configuration.maxBodyBytes {
                state = .discarding
                let response = HTTPResponse(
                    status: 413,
                    headers: [("Content-Type", "application/json")],
                    body: Array(#"{"error":"body over the limit"}"#.utf8),
                    close: true
                )
                write(response, version: head.version, keepAlive: false, context: context)
                return
            }
            state = .idle  // drop the buffer reference before appending, so it is not copied
            body.writeBuffer(&chunk)
            state = .reading(head, body)
        case .end:
            switch state {
            case .reading(let head, var body):
                state = .idle
                let request = HTTPRequest(
                    method: head.method.rawValue,
                    uri: head.uri,
                    headers: head.headers.map { (name: $0.name, value: $0.value) },
                    body: body.readBytes(length: body.readableBytes) ?? []
                )
                let response = app.respond(request)
                write(response, version: head.version, keepAlive: head.isKeepAlive, context: context)
            case .discarding, .idle:
                state = .idle
            }
            busy = false
            if quiescing { context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
            return
        }
        if event is QuiesceEvent {
            quiescing = true
            if !busy { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        app.logger.debug("connection closed on error: \(error)")
        context.close(promise: nil)
    }

    private func write(_ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext)
    {
        var headers = HTTPHeaders()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        let close = response.close || !keepAlive || quiescing
        if close { headers.add(name: "Connection", value: "close") }
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(
            wrapOutboundOut(
                .head(
                    HTTPResponseHead(
                        version: version,
                        status: HTTPResponseStatus(statusCode: response.status),
                        headers: headers
                    )
                )
            ),
            promise: nil
        )
        if !response.body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
