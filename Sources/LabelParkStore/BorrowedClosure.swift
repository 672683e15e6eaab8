/// Lends a non-escaping closure to another thread for the span of a `withoutActuallyEscaping` scope.
///
/// A dispatch block that resumes a continuation is released only after it returns, which can be after the
/// awaiting scope ended and checked that the closure did not escape. Blocks capture this box instead, and
/// the scope calls `release()` before it ends, so the closure's last outside reference is gone in time.
public final class BorrowedClosure<Function>: @unchecked Sendable {
    // Unchecked: written before the work is handed over and cleared after it is awaited; the awaits order
    // every access.
    private var function: Function?

    public init(_ function: Function) {
        self.function = function
    }

    /// The closure; only valid until `release()`.
    public var borrowed: Function {
        // Only read between init and release, which the awaits order; a nil here is a programming error.
        guard let function else { preconditionFailure("a borrowed closure used after its scope ended") }
        return function
    }

    public func release() {
        function = nil
    }
}
