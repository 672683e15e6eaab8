import Hummingbird
import LabelParkCore

extension ParkRequestContext {
    /// A typed id from the path; a malformed id is a 404, the same as a missing object.
    func pathID<Entity>(_ name: String, as _: EntityID<Entity>.Type = EntityID<Entity>.self) throws -> EntityID<Entity>
    {
        guard let text = parameters.get(name), let id = EntityID<Entity>(parsing: Substring(text)) else {
            throw APIError.notFound
        }
        return id
    }
}

extension Request {
    /// A query parameter, if present.
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    /// An id in a query parameter; `nil` when absent, a 400 naming the parameter when not a positive integer.
    func queryID<Entity>(_ name: String, as _: EntityID<Entity>.Type = EntityID<Entity>.self) throws
        -> EntityID<Entity>?
    {
        guard let text = query(name) else { return nil }
        guard let id = EntityID<Entity>(parsing: Substring(text)) else {
            throw ValidationError(field: name, message: "must be a positive integer")
        }
        return id
    }
}
