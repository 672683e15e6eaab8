import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LabelParkHTTP
import NIOCore
import Testing

/// A lease stays good for corrected retries, and for another instance of the server behind the same store.
@Suite("Retrying a rejected submission, and submitting to another instance")
struct SubmissionRetryTests {
    @Test("a rejected submission's corrected retries are validated again, and the last is accepted")
    func retryAfterRejection() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["Alice met Bob"])
            let claim = try await park.claim(project, as: park.annotatorA)
            let rejected = try await park.submit(claim, result: #"{"sentiment":"maybe"}"#, as: park.annotatorA)
            #expect(rejected.status == .unprocessableContent)
            #expect(rejected.errorField == "result.sentiment")
            let spanPastEnd = #"{"sentiment":"pos","entities":[{"start":0,"end":99,"label":"PER"}]}"#
            let stillWrong = try await park.submit(claim, result: spanPastEnd, as: park.annotatorA)
            #expect(stillWrong.errorField == "result.entities[0].end")
            let accepted = try await park.submit(claim, as: park.annotatorA)
            #expect(accepted.status == .created)
        }
    }

    @Test("a second instance on the same store validates and stores a submission claimed on the first")
    func submissionToAnotherInstance() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["Alice met Bob"])
            let claim = try await park.claim(project, as: park.annotatorA)
            let other = Application(
                router: buildRouter(
                    ParkServerDependencies(
                        store: park.store, passwords: PasswordHasher(cost: 4), spoolDirectory: park.spoolDirectory)))
            try await other.test(.router) { client in
                func submit(_ result: String) async throws -> TestResponse {
                    let body = #"{"lease_token":"\#(claim.leaseToken)","result":\#(result)}"#
                    return try await client.execute(
                        uri: "/api/v1/tasks/\(claim.taskID)/annotations", method: .post,
                        headers: [.authorization: "Bearer \(park.annotatorA.token)", .contentType: "application/json"],
                        body: ByteBuffer(string: body))
                }
                let rejected = try await submit(#"{"sentiment":"maybe"}"#)
                #expect(rejected.status == .unprocessableContent)
                let accepted = try await submit(#"{"sentiment":"neg"}"#)
                #expect(accepted.status == .created)
            }
            let export = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            #expect(export.text.contains(#""result":{"sentiment":"neg"}"#))
        }
    }
}
