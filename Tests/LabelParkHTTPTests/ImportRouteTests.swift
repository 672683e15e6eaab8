import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Task import and task reads")
struct ImportRouteTests {
    @Test("NDJSON: one task a line, plain data or a {data, priority} wrapper")
    func ndjson() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.importNDJSON(
                [
                    #"{"text":"plain"}"#, "", #"{"data":{"text":"urgent"},"priority":5}"#,
                    #"{"text":"extra keys","source":"web"}"#,
                ],
                into: project, as: park.managerA)
            #expect(reply.status == .created)
            #expect(reply.int("created") == 3)
            #expect(reply.int("error_count") == 0)
            #expect(reply.array("errors")?.isEmpty == true)
            #expect(try await park.progress(project).int("tasks") == 3)

            // The higher priority task is handed out first.
            let claim = try await park.claim(project, as: park.annotatorA)
            let task = try await park.send(.get, "/api/v1/tasks/\(claim.taskID)", as: park.annotatorA)
            #expect(task.status == .ok)
            #expect(task.string("data.text") == "urgent")
            // Priority and import time are the managers' to see: they would tell gold batches apart.
            #expect(task.value("priority") == nil && task.value("created_at") == nil)
            #expect(task.int("project_id") == project)
            let managed = try await park.send(
                .get, "/api/v1/tasks/\(park.realTaskID(of: claim, by: park.annotatorA))", as: park.managerA)
            #expect(managed.int("priority") == 5)
            #expect(park.spooledFiles().isEmpty)
        }
    }

    @Test("Gold answers are validated at import and never shown to annotators, managers or exports")
    func goldStaysHidden() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let badGold = try await park.importNDJSON(
                [#"{"data":{"text":"x"},"gold":{"sentiment":"maybe"}}"#], into: project, as: park.managerA)
            #expect(badGold.status == .unprocessableContent)
            #expect(badGold.string("errors.0.message")?.contains("gold.sentiment") == true)

            // Gold tasks are mixed into the queue while work is left; here the first claim is one.
            let policy = try await park.send(
                .patch, "/api/v1/projects/\(project)", as: park.managerA, json: #"{"quality":{"gold_at_start":1}}"#)
            #expect(policy.status == .ok)
            let imported = try await park.importNDJSON(
                [#"{"data":{"text":"known answer"},"gold":{"sentiment":"neg"}}"#, #"{"text":"work"}"#], into: project,
                as: park.managerA)
            #expect(imported.status == .created)

            let claim = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
            #expect(claim.string("task.data.text") == "known answer")
            #expect(!claim.text.contains("gold"))
            let handle = try #require(claim.int("task.id"))
            let realID = park.realTaskID(handle, seenBy: park.annotatorA)
            for (reader, taskID) in [(park.annotatorA, handle), (park.managerA, realID)] {
                let task = try await park.send(.get, "/api/v1/tasks/\(taskID)", as: reader)
                #expect(task.status == .ok)
                #expect(!task.text.contains("gold"))
            }
            let export = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            #expect(!export.text.contains("gold"))
        }
    }

    @Test("Media type parameters are ignored and the NDJSON aliases are accepted")
    func ndjsonContentTypes() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            for contentType in ["application/x-ndjson; charset=utf-8", "application/ndjson", "APPLICATION/JSONL"] {
                let reply = try await park.send(
                    .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: Array(#"{"text":"t"}"#.utf8),
                    contentType: contentType)
                #expect(reply.status == .created, "\(contentType)")
            }
            #expect(try await park.progress(project).int("tasks") == 3)
        }
    }

    @Test("CSV: a header row, then one task a record; quoted fields keep commas, quotes and line breaks")
    func csv() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let body = "\u{FEFF}text,source\r\n\"Hello, \"\"world\"\"\nsecond line\",web\r\nplain,mail\r\n"
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: Array(body.utf8),
                contentType: "text/csv")
            #expect(reply.status == .created)
            #expect(reply.int("created") == 2)

            let claim = try await park.claim(project, as: park.annotatorA)
            let task = try await park.send(.get, "/api/v1/tasks/\(claim.taskID)", as: park.annotatorA)
            #expect(task.string("data.text") == "Hello, \"world\"\nsecond line")
            #expect(task.string("data.source") == "web")
        }
    }

    @Test("CSV errors name the line a record starts on, counting line breaks inside quotes")
    func csvLineNumbers() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let body = "text\n\"two\nlines\"\nok\nthree,fields,here\nfine\n"
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: Array(body.utf8),
                contentType: "text/csv")
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorCode == "invalid_lines")
            #expect(reply.int("error_count") == 1)
            #expect(reply.int("errors.0.line") == 5)
            #expect(reply.errorLine == 5)

            let missingColumn = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: Array("title\nhello\n".utf8),
                contentType: "text/csv")
            #expect(missingColumn.status == .unprocessableContent)
            #expect(missingColumn.int("errors.0.line") == 2)
            #expect(missingColumn.string("errors.0.message")?.contains("data.text") == true)

            let empty = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: [], contentType: "text/csv")
            #expect(empty.status == .unprocessableContent)
            #expect(empty.int("errors.0.line") == 1)
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    @Test("JSON array: one task an element")
    func jsonArray() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA,
                json: #"[{"text":"one"},{"data":{"text":"two, with [brackets] and \"quotes\""}}]"#)
            #expect(reply.status == .created)
            #expect(reply.int("created") == 2)

            let notArray = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, json: #"{"text":"one"}"#)
            #expect(notArray.status == .unprocessableContent)
            #expect(notArray.int("errors.0.line") == 1)

            let unclosed = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA,
                json: "[{\"text\":\"a\"},\n{\"text\":\"b\"}")
            #expect(unclosed.status == .unprocessableContent)
            #expect(try await park.progress(project).int("tasks") == 2)
        }
    }

    @Test("An atomic import with one bad line stores nothing; ?partial=true stores the good lines")
    func atomicity() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let lines = [#"{"text":"a"}"#, #"{"text":"b"}"#, #"{"text":"c"}"#, #"{"txt":"d"}"#]

            let atomic = try await park.importNDJSON(lines, into: project, as: park.managerA)
            #expect(atomic.status == .unprocessableContent)
            #expect(atomic.errorCode == "invalid_lines")
            #expect(atomic.errorLine == 4)
            #expect(atomic.int("created") == 0)
            #expect(atomic.int("error_count") == 1)
            #expect(atomic.int("errors.0.line") == 4)
            #expect(atomic.string("errors.0.message")?.contains("data.text") == true)
            #expect(try await park.progress(project).int("tasks") == 0)
            #expect(park.spooledFiles().isEmpty)

            let partial = try await park.importNDJSON(lines, into: project, as: park.managerA, partial: true)
            #expect(partial.status == .created)
            #expect(partial.int("created") == 3)
            #expect(partial.int("error_count") == 1)
            #expect(partial.array("errors")?.count == 1)
            #expect(partial.int("errors.0.line") == 4)
            #expect(try await park.progress(project).int("tasks") == 3)
            #expect(park.spooledFiles().isEmpty)
        }
    }

    @Test("A partial import where every line fails creates nothing and answers 200")
    func partialWithNothingValid() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.importNDJSON(
                ["[]", "7", #"{"text":1}"#], into: project, as: park.managerA, partial: true)
            #expect(reply.status == .ok)
            #expect(reply.int("created") == 0)
            #expect(reply.int("error_count") == 3)
            #expect((reply.array("errors") ?? []).compactMap { lookUp("line", in: $0) as? Int } == [1, 2, 3])
        }
    }

    @Test("The response lists at most maxListedErrors errors but counts them all")
    func listedErrorsAreCapped() async throws {
        let limits = ImportLimits(maxBodyBytes: 1 << 20, maxTaskBytes: 1 << 16, maxListedErrors: 2)
        try await withTestPark(importLimits: limits) { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.importNDJSON(
                Array(repeating: "nope", count: 5), into: project, as: park.managerA)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.int("error_count") == 5)
            #expect(reply.array("errors")?.count == 2)
            #expect(reply.int("errors.1.line") == 2)
        }
    }

    @Test(
        "Unknown or missing content types are 415 naming Content-Type",
        arguments: ["text/plain", "application/xml", "multipart/form-data; boundary=x", "text/html", ""])
    func unsupportedMediaType(contentType: String) async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: Array(#"{"text":"a"}"#.utf8),
                contentType: contentType.isEmpty ? nil : contentType)
            #expect(reply.status == .unsupportedMediaType)
            #expect(reply.errorCode == "unsupported_media_type")
            #expect(reply.errorField == "Content-Type")
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    @Test("A body over the import limit is 413 and stores nothing")
    func bodyTooLarge() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let line = #"{"text":"\#(String(repeating: "x", count: 1000))"}"#
            let lines = Array(repeating: line, count: (2 << 20) / line.utf8.count + 10)
            let reply = try await park.importNDJSON(lines, into: project, as: park.managerA, partial: true)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.errorCode == "payload_too_large")
            #expect(try await park.progress(project).int("tasks") == 0)
            #expect(park.spooledFiles().isEmpty)
        }
    }

    @Test("Only the project's managers import; other tenants and unknown projects get 404")
    func importPermissions() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let byAnnotator = try await park.importNDJSON([#"{"text":"a"}"#], into: project, as: park.annotatorA)
            #expect(byAnnotator.status == .forbidden)
            #expect(byAnnotator.errorCode == "forbidden")

            let missing = try await park.importNDJSON([#"{"text":"a"}"#], into: 999_999, as: park.managerA)
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    @Test("GET /tasks/{id}: managers read any task, annotators only the tasks they hold or answered")
    func showTask() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["first", "second"])
            let worker = try await park.makeAnnotator("worker")

            let claim = try await park.claim(project, as: park.annotatorA)
            let realID = park.realTaskID(of: claim, by: park.annotatorA)
            let byManager = try await park.send(.get, "/api/v1/tasks/\(realID)", as: park.managerA)
            #expect(byManager.status == .ok)
            #expect(byManager.string("data.text") == "first")
            #expect(byManager.int("id") == realID)
            // Real ids are the managers' alone: an annotator who guesses the one of a task they hold gets a 404.
            #expect(try await park.send(.get, "/api/v1/tasks/\(realID)", as: park.annotatorA).status == .notFound)

            let byHolder = try await park.send(.get, "/api/v1/tasks/\(claim.taskID)", as: park.annotatorA)
            #expect(byHolder.status == .ok)

            let byOtherAnnotator = try await park.send(.get, "/api/v1/tasks/\(claim.taskID)", as: worker)
            #expect(byOtherAnnotator.status == .notFound)
            #expect(byOtherAnnotator.errorCode == "not_found")

            for id in ["999999", "zero", "0"] {
                let missing = try await park.send(.get, "/api/v1/tasks/\(id)", as: park.managerA)
                #expect(missing.status == .notFound, "\(id)")
            }
        }
    }
}
