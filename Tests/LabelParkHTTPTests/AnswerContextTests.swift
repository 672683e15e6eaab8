import LabelParkCore
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@testable import LabelParkHTTP

@Suite("Answer contexts")
struct AnswerContextTests {
    @Test("a result is checked against the task's data and the size of the images it shows")
    func mediaMetadata() async throws {
        try await withTestPark { park in
            let project = try await MediaRouteTests.imageProject(park)
            let upload = try await MediaRouteTests.upload(
                park, TestImages.jpeg(width: 1920, height: 1080), as: "image/jpeg", into: project)
            let id = try #require(upload.int("id"))
            let access = try await park.store.projectAccess(ProjectID(Int64(project)), by: park.annotatorA.principal)
            let contexts = AnswerContexts(store: park.store)
            let context = try await contexts.context(
                for: access.project, dataJSON: #"{"photo":"asset:\#(id)"}"#, by: park.annotatorA.principal)
            #expect(context.media["photo"] == MediaMetadata(mediaType: "image/jpeg", width: 1920, height: 1080))
            #expect(context.data["photo"]?.stringValue == "asset:\(id)")
            // A reference the project does not have gives no metadata rather than someone else's.
            let stranger = try await contexts.context(
                for: access.project, dataJSON: #"{"photo":"asset:999999"}"#, by: park.annotatorA.principal)
            #expect(stranger.media.isEmpty)
        }
    }
}
