import LabelParkCore
import Synchronization

/// Projects by id, kept for a few seconds: nearly every request needs its project, and it changes rarely.
///
/// An entry lives `lifetime` at most, so a settings change made through another instance (or another
/// process on the same SQLite file) reaches this one within that time; changes made here replace the
/// entry at once.
public final class ProjectCache: Sendable {
    private let entries = Mutex<[ProjectID: (project: Project, fetchedAt: ContinuousClock.Instant)]>([:])
    private let lifetime: Duration

    public init(lifetime: Duration = .seconds(5)) {
        self.lifetime = lifetime
    }

    /// The cached project, unless it is missing or older than the lifetime.
    public func project(_ id: ProjectID) -> Project? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[id], now - entry.fetchedAt < lifetime else { return nil }
            return entry.project
        }
    }

    public func put(_ project: Project) {
        let now = ContinuousClock.now
        entries.withLock { $0[project.id] = (project, now) }
    }

    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
