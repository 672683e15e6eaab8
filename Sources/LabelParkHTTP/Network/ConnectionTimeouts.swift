import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// How long a connection may stall before the server drops it and frees what it held.
///
/// A client that sends its request slowly (slowloris) or stops reading a response (an export whose
/// reader went away without closing) would otherwise keep a connection, and behind it a database reader,
/// a snapshot or a thread, for as long as it likes.
public struct ConnectionTimeouts: Sendable {
    /// Between requests, and before a request's head has fully arrived.
    public var idle: TimeAmount
    /// The window in which a request's body must make progress: at least `minimumBodyBytesPerSecond` times
    /// its length in seconds, or the end of the body.
    public var read: TimeAmount
    /// A response the client does not take: the socket stays full for this long.
    public var write: TimeAmount

    /// The slowest body upload accepted, averaged over each `read` window: a body that trickles in a byte at
    /// a time would otherwise keep its connection, handler and spool file forever.
    public var minimumBodyBytesPerSecond: Int

    public init(
        idle: TimeAmount = .seconds(75), read: TimeAmount = .seconds(60), write: TimeAmount = .seconds(60),
        minimumBodyBytesPerSecond: Int = 1_024
    ) {
        self.idle = idle
        self.read = read
        self.write = write
        self.minimumBodyBytesPerSecond = minimumBodyBytesPerSecond
    }

    /// The bytes a body must deliver within one `read` window.
    var minimumBytesPerReadWindow: Int {
        Int(min(Int64(Int32.max), read.nanoseconds / 1_000_000_000 * Int64(minimumBodyBytesPerSecond)))
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with LabelPark's connection timeouts and interim `100 Continue` answers.
    public static func park(timeouts: ConnectionTimeouts) -> HTTPServerBuilder {
        .http1(
            configuration: .init(
                additionalChannelHandlers: [StalledConnectionHandler(timeouts: timeouts), ExpectContinueHandler()],
                idleTimeout: timeouts.idle))
    }
}

/// Closes a connection whose request body stops arriving (or arrives slower than the minimum rate) or whose
/// client stops reading the response.
///
/// Hummingbird's idle timeout covers the time between requests (and a head that never completes, since
/// the codec has nothing to show until it does); this handler covers the two stalls inside a request.
/// Closing the channel fails the response writer, which cancels whatever was producing the response.
final class StalledConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeouts: ConnectionTimeouts
    private var readDeadline: Scheduled<Void>?
    /// Body bytes received in the current read window.
    private var bytesInWindow = 0
    private var writeDeadline: Scheduled<Void>?

    init(timeouts: ConnectionTimeouts) {
        self.timeouts = timeouts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            startReadWindow(context: context)
        case .body(let buffer):
            bytesInWindow += buffer.readableBytes
        case .end:
            readDeadline?.cancel()
            readDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeDeadline?.cancel()
            writeDeadline = nil
        } else if writeDeadline == nil {
            writeDeadline = schedule(after: timeouts.write, context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadlines()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadlines()
    }

    /// Starts a window at whose end the body must have delivered the minimum, else the connection closes.
    private func startReadWindow(context: ChannelHandlerContext) {
        readDeadline?.cancel()
        bytesInWindow = 0
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        readDeadline = context.eventLoop.scheduleTask(in: timeouts.read) {
            let (handler, context) = loopBound.value
            handler.readDeadline = nil
            if handler.bytesInWindow >= handler.timeouts.minimumBytesPerReadWindow {
                handler.startReadWindow(context: context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    private func schedule(after delay: TimeAmount, context: ChannelHandlerContext) -> Scheduled<Void> {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: delay) {
            loopBound.value.close(promise: nil)
        }
    }

    private func cancelDeadlines() {
        readDeadline?.cancel()
        writeDeadline?.cancel()
        readDeadline = nil
        writeDeadline = nil
    }
}
