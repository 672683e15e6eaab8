/// A typed row identifier: a `ProjectID` can never be passed where a `TaskID` is expected.
public struct EntityID<Entity>: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public var description: String { String(rawValue) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension EntityID {
    /// Parses a path or query component; `nil` for anything but a positive decimal integer.
    public init?(parsing text: Substring) {
        guard let value = Int64(text), value > 0 else { return nil }
        self.init(value)
    }
}

public enum OrganizationTag {}
public enum WorkplaceTag {}
public enum UserTag {}
public enum ProjectTag {}
public enum TaskTag {}
public enum AnnotationTag {}

public typealias OrganizationID = EntityID<OrganizationTag>
public typealias WorkplaceID = EntityID<WorkplaceTag>
public typealias UserID = EntityID<UserTag>
public typealias ProjectID = EntityID<ProjectTag>
public typealias TaskID = EntityID<TaskTag>
public typealias AnnotationID = EntityID<AnnotationTag>

public enum ReviewTag {}
public enum BatchTag {}
public enum InspectionTag {}

public typealias ReviewID = EntityID<ReviewTag>
public typealias BatchID = EntityID<BatchTag>
public typealias InspectionID = EntityID<InspectionTag>

public enum AssetTag {}
public typealias AssetID = EntityID<AssetTag>

public enum StorageTag {}
public typealias StorageID = EntityID<StorageTag>
