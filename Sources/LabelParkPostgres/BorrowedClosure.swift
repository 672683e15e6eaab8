/// Lends a non-escaping closure to another thread for the span of a `withoutActuallyEscaping` scope.
///
/// A dispatch block that resumes a continuation is released only after it returns, which can be after the
/// awaiting scope ended and checked that the closure did not escape. Blocks capture this box instead, and
/// the scope calls `release()` before it ends, so the closure's last outside reference is gone in time.
final class BorrowedClosure<Function>: @unchecked Sendable {
    // Unchecked: written before the work is handed over and cleared after it is awaited; the awaits order
    // every access.
    private var function: Function?

    init(_ function: Function) {
        self.function = function
    }

    /// The closure; only valid until `release()`.
    var borrowed: Function { function! }

    func release() {
        function = nil
    }
}
