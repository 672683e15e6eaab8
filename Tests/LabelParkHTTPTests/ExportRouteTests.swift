import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Streamed exports")
struct ExportRouteTests {
    @Test("JSONL: one line a task in id order, each with its annotations")
    func jsonl() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["first"], overlap: 2)
            let worker = try await park.makeAnnotator("worker")
            let (claim, id) = try await park.annotate(
                project, as: park.annotatorA,
                result: #"{"sentiment":"pos","entities":[{"start":0,"end":5,"label":"PER"}]}"#)
            let (_, workerID) = try await park.annotate(project, as: worker, result: #"{"sentiment":"neg"}"#)
            try await park.importTexts(["second"], into: project)

            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export?format=jsonl", as: park.managerA)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/x-ndjson") == true)
            #expect(reply.headers[.contentDisposition] == "attachment; filename=\"project-\(project)-export.jsonl\"")
            #expect(reply.text.hasSuffix("\n"))

            let lines = ndjsonObjects(reply.text)
            try #require(lines.count == 2)
            #expect(lookUp("id", in: lines[0]) as? Int == park.realTaskID(of: claim, by: park.annotatorA))
            #expect(lookUp("data.text", in: lines[0]) as? String == "first")
            #expect(lookUp("priority", in: lines[0]) as? Int == 0)
            #expect(lookUp("data.text", in: lines[1]) as? String == "second")
            #expect((lookUp("annotations", in: lines[1]) as? [Any])?.isEmpty == true)

            let annotations = try #require(lookUp("annotations", in: lines[0]) as? [Any])
            #expect(annotations.count == 2)
            let ids = annotations.compactMap { lookUp("id", in: $0) as? Int }
            #expect(Set(ids) == [id, workerID])
            let mine = try #require(annotations.first { lookUp("id", in: $0) as? Int == id })
            #expect(lookUp("annotator", in: mine) as? String == "annotator@a.test")
            #expect(lookUp("annotator_id", in: mine) as? Int == park.annotatorA.userID)
            #expect(lookUp("result.sentiment", in: mine) as? String == "pos")
            #expect(lookUp("result.entities.0.label", in: mine) as? String == "PER")
            #expect(lookUp("status", in: mine) as? String == "submitted")
            #expect(lookUp("late", in: mine) as? Bool == false)
            #expect(lookUp("version", in: mine) as? Int == 1)
        }
    }

    @Test("jsonl is the default format")
    func defaultFormat() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["only"])
            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/x-ndjson") == true)
            #expect(ndjsonObjects(reply.text).count == 1)
        }
    }

    @Test("CSV: a header row, then a row per annotation and a row for each unanswered task")
    func csv() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["Hello, world", "unanswered"])
            let (_, id) = try await park.annotate(project, as: park.annotatorA, result: #"{"sentiment":"neu"}"#)

            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export?format=csv", as: park.managerA)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(reply.headers[.contentDisposition] == "attachment; filename=\"project-\(project)-export.csv\"")

            let rows = csvRows(reply.text)
            try #require(rows.count == 3)
            let header = rows[0]
            #expect(
                header == [
                    "task_id", "data.text", "annotation_id", "annotator_id", "annotator", "status", "late", "version",
                    "lead_time_ms", "created_at", "updated_at", "sentiment", "entities", "result",
                    "sentiment.aggregate",
                    "sentiment.confidence",
                ])
            func cell(_ row: [String], _ column: String) -> String? {
                header.firstIndex(of: column).flatMap { row.indices.contains($0) ? row[$0] : nil }
            }
            #expect(rows.allSatisfy { $0.count == header.count })
            #expect(cell(rows[1], "data.text") == "Hello, world")
            #expect(cell(rows[1], "annotation_id") == String(id))
            #expect(cell(rows[1], "annotator") == "annotator@a.test")
            #expect(cell(rows[1], "sentiment") == "neu")
            #expect(cell(rows[1], "late") == "false")
            #expect(cell(rows[1], "result") == #"{"sentiment":"neu"}"#)
            #expect(cell(rows[2], "data.text") == "unanswered")
            #expect(cell(rows[2], "annotation_id") == "")
        }
    }

    @Test("Exports of an empty project: nothing for JSONL, only the header for CSV")
    func emptyProject() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let jsonl = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            #expect(jsonl.status == .ok)
            #expect(jsonl.bytes.isEmpty)
            let csv = try await park.send(.get, "/api/v1/projects/\(project)/export?format=csv", as: park.managerA)
            #expect(csv.status == .ok)
            #expect(csvRows(csv.text).count == 1)
        }
    }

    @Test("An export larger than one stream chunk holds every task exactly once, in order")
    func largeExport() async throws {
        try await withTestPark { park in
            let texts = (0..<400).map { "task \($0) " + String(repeating: "lorem ipsum ", count: 50) }
            let project = try await park.makeProject(texts: texts)
            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            #expect(reply.status == .ok)
            #expect(reply.bytes.count > 3 * (1 << 16), "the export should span several 64 KiB chunks")
            let lines = ndjsonObjects(reply.text)
            #expect(lines.count == 400)
            #expect(lines.compactMap { lookUp("data.text", in: $0) as? String } == texts)
            let ids = lines.compactMap { lookUp("id", in: $0) as? Int }
            #expect(ids == ids.sorted() && Set(ids).count == 400)
        }
    }

    @Test("An unknown format is 422 naming format; annotators get 403; unknown projects 404")
    func refusals() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            for format in ["xml", "JSONL", "", "csv%00"] {
                let reply = try await park.send(
                    .get, "/api/v1/projects/\(project)/export?format=\(format)", as: park.managerA)
                #expect(reply.status == .unprocessableContent, "\(format)")
                #expect(reply.errorCode == "invalid", "\(format)")
                #expect(reply.errorField == "format", "\(format)")
            }
            let byAnnotator = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.annotatorA)
            #expect(byAnnotator.status == .forbidden)
            #expect(byAnnotator.errorCode == "forbidden")

            let missing = try await park.send(.get, "/api/v1/projects/999999/export", as: park.managerA)
            #expect(missing.status == .notFound)
        }
    }

    @Test("An export reflects edits: each annotation once, at its latest version")
    func exportAfterEdit() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let (_, id) = try await park.annotate(project, as: park.annotatorA, result: #"{"sentiment":"pos"}"#)
            let edit = try await park.send(
                .put, "/api/v1/annotations/\(id)", as: park.annotatorA,
                json: #"{"result":{"sentiment":"neg"},"version":1}"#)
            #expect(edit.status == .ok)

            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            let lines = ndjsonObjects(reply.text)
            let annotations = try #require(lookUp("annotations", in: lines.first) as? [Any])
            #expect(annotations.count == 1)
            #expect(lookUp("0.version", in: annotations) as? Int == 2)
            #expect(lookUp("0.result.sentiment", in: annotations) as? String == "neg")
        }
    }
}
