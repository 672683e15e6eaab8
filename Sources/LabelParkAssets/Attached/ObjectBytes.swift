import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// The bytes of an opened object, in order: a response body from object storage or chunks of a local file.
public struct ObjectBytes: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    enum Origin: Sendable {
        case response(HTTPClientResponse.Body)
        case file(FileChunks)
    }

    let origin: Origin

    public func makeAsyncIterator() -> Iterator {
        switch origin {
        case .response(let body): Iterator(origin: .response(body.makeAsyncIterator()))
        case .file(let chunks): Iterator(origin: .file(chunks))
        }
    }

    public struct Iterator: AsyncIteratorProtocol {
        enum Origin {
            case response(HTTPClientResponse.Body.AsyncIterator)
            case file(FileChunks)
        }

        var origin: Origin

        public mutating func next() async throws -> ByteBuffer? {
            switch origin {
            case .response(var iterator):
                let chunk = try await iterator.next()
                origin = .response(iterator)
                return chunk
            case .file(let chunks):
                return try chunks.next()
            }
        }
    }
}

/// Up to `end` of an open file from its current offset, a megabyte at a time; the file is closed at its end.
final class FileChunks: @unchecked Sendable {
    // One reader at a time: the sequence is iterated once, by the task that opened it.
    private let handle: FileHandle
    private var position: Int64
    private let end: Int64
    private var closed = false

    init(handle: FileHandle, from start: Int64, to end: Int64) {
        self.handle = handle
        self.position = start
        self.end = end
    }

    func next() throws -> ByteBuffer? {
        guard !closed else { return nil }
        guard position < end, let data = try handle.read(upToCount: Int(min(1 << 20, end - position))), !data.isEmpty
        else {
            close()
            return nil
        }
        position += Int64(data.count)
        return ByteBuffer(data: data)
    }

    private func close() {
        closed = true
        try? handle.close()
    }

    deinit {
        if !closed { try? handle.close() }
    }
}
