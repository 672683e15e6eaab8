import Crypto
import LabelParkCore
import LabelParkStore
import Synchronization

/// The task ids people who do not manage a project see: a per-person handle instead of the real id.
///
/// Real ids are sequential, so a gold set imported as its own batch would stand out by its id range and an
/// annotator could answer carefully only there. A handle is the real id put through a keyed permutation
/// of 52-bit numbers (a four-round Feistel network over two 26-bit halves, each round an HMAC-SHA256 of the
/// park's secret and the person), plus 2^52: still a JSON-safe integer, different for every person, the
/// same for one person every time, and telling nothing about import order. Routes that take a task id
/// accept a handle from anyone and a real id only from the project's managers.
public struct TaskHandles: Sendable {
    private let secret: [UInt8]

    /// Handles are `handleBase + permuted id`; real ids stay below it.
    static let handleBase: Int64 = 1 << 52
    private static let halfBits: UInt64 = 26
    private static let halfMask: UInt64 = (1 << halfBits) - 1

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// Whether a number a client sent is a handle rather than a real id.
    static func isHandle(_ value: Int64) -> Bool {
        value >= handleBase && value - handleBase < handleBase
    }

    /// The handle `user` sees for `task`.
    public func handle(for task: TaskID, seenBy user: UserID) -> Int64 {
        let key = personalKey(for: user)
        // Ids are below 2^52; `halves` keeps 52 bits, so a larger or negative value cannot trap here.
        var (left, right) = Self.halves(of: UInt64(truncatingIfNeeded: task.rawValue))
        for round in 0..<4 {
            (left, right) = (right, left ^ Self.roundValue(key: key, round: round, input: right))
        }
        return Self.handleBase + Int64(left << Self.halfBits | right)
    }

    /// The real id behind a handle `user` was given; `nil` for a number that is not a handle.
    public func taskID(fromHandle value: Int64, seenBy user: UserID) -> TaskID? {
        guard Self.isHandle(value) else { return nil }
        let key = personalKey(for: user)
        var (left, right) = Self.halves(of: UInt64(value - Self.handleBase))
        for round in (0..<4).reversed() {
            (left, right) = (right ^ Self.roundValue(key: key, round: round, input: left), left)
        }
        return TaskID(Int64(left << Self.halfBits | right))
    }

    private func personalKey(for user: UserID) -> SymmetricKey {
        var message = Array("task-handle".utf8)
        withUnsafeBytes(of: user.rawValue.bigEndian) { message.append(contentsOf: $0) }
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return SymmetricKey(data: Array(code))
    }

    private static func halves(of value: UInt64) -> (UInt64, UInt64) {
        ((value >> halfBits) & halfMask, value & halfMask)
    }

    private static func roundValue(key: SymmetricKey, round: Int, input: UInt64) -> UInt64 {
        var message: [UInt8] = [UInt8(truncatingIfNeeded: round)]
        withUnsafeBytes(of: input.bigEndian) { message.append(contentsOf: $0) }
        let code = Array(HMAC<SHA256>.authenticationCode(for: message, using: key).prefix(8))
        return code.reduce(0) { $0 << 8 | UInt64($1) } & halfMask
    }
}

/// Loads the park's handle secret once, on first use, from the store (every instance shares it).
final class TaskHandleSource: Sendable {
    /// The name of the park secret handles derive from.
    static let secretName = "task-handles"

    private let store: any ParkStore
    private let loaded = Mutex<TaskHandles?>(nil)

    init(store: any ParkStore) {
        self.store = store
    }

    func handles() async throws -> TaskHandles {
        if let handles = loaded.withLock({ $0 }) { return handles }
        var generator = SystemRandomNumberGenerator()
        let candidate = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let handles = TaskHandles(secret: try await store.parkSecret(named: Self.secretName, candidate: candidate))
        loaded.withLock { $0 = handles }
        return handles
    }
}

/// How tasks are named to one caller: their handles, and real ids only where they manage the project.
struct TaskNaming: Sendable {
    let handles: TaskHandles
    let principal: Principal

    /// The caller's handle for a task.
    func handle(_ task: TaskID) -> Int64 {
        handles.handle(for: task, seenBy: principal.userID)
    }

    /// How an annotation names its task to the caller: their handle if it is their own work or they do not
    /// manage the project, else the real id.
    func taskID(of annotation: Annotation, managesProject: Bool) -> Int64 {
        annotation.annotatorID != principal.userID && managesProject
            ? annotation.taskID.rawValue : handle(annotation.taskID)
    }

    /// The real task a path names: a handle from anyone; a real id only when `manages` says the caller
    /// manages the task's project (anyone else gets the 404 of a missing task, so real ids cannot be probed).
    func resolve(_ named: TaskID) -> TaskReference {
        if let id = handles.taskID(fromHandle: named.rawValue, seenBy: principal.userID) { return .handle(id) }
        return .realID(named)
    }
}

/// What a task id in a path turned out to be.
enum TaskReference: Sendable, Equatable {
    /// One of the caller's handles, naming this task.
    case handle(TaskID)
    /// A real id: valid only from the project's managers.
    case realID(TaskID)

    /// The task, once the caller's right to name it so is known; throws the 404 of a missing task otherwise.
    func taskID(managesProject: Bool) throws -> TaskID {
        switch self {
        case .handle(let id): return id
        case .realID(let id) where managesProject: return id
        case .realID: throw StoreError.notFound(.task)
        }
    }
}

extension TaskHandleSource {
    /// The naming of tasks for `principal`.
    func naming(for principal: Principal) async throws -> TaskNaming {
        TaskNaming(handles: try await handles(), principal: principal)
    }
}

extension Principal {
    /// Whether this principal manages `project` (owns it with a manager's or admin's role).
    func manages(_ project: Project) -> Bool {
        role(in: project.organizationID)?.managesProjects == true
    }
}
