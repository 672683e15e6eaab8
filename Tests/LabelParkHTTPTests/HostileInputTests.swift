import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Hostile input: malformed, oversized, deeply nested, badly encoded and markup-laden bodies")
struct HostileInputTests {
    // MARK: Malformed imports

    @Test("Malformed NDJSON lines are each reported with their line number, and nothing is stored")
    func malformedNDJSON() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let lines = [
                #"{"text":"ok"}"#,
                #"{"text":"unterminated""#,
                "not json",
                #"{"text":"ok too"}"#,
                "[1,2]",
                "",
                #"{"text":5}"#,
                #"{"text":"a","text":"b"}"#,
                #"{"data":{"text":"x"},"priority":"high"}"#,
                "{\"text\":\"raw\ttab\"}",
            ]
            let atomic = try await park.importNDJSON(lines, into: project, as: park.managerA)
            #expect(atomic.status == .unprocessableContent)
            #expect(atomic.errorCode == "invalid_lines")
            #expect(atomic.errorLine == 2)
            #expect(atomic.int("error_count") == 7)
            let errorLines = (atomic.array("errors") ?? []).compactMap { lookUp("line", in: $0) as? Int }
            #expect(errorLines == [2, 3, 5, 7, 8, 9, 10])
            let messages = (atomic.array("errors") ?? []).compactMap { lookUp("message", in: $0) as? String }
            #expect(messages.allSatisfy { !$0.isEmpty })
            #expect(try await park.progress(project).int("tasks") == 0)

            let partial = try await park.importNDJSON(lines, into: project, as: park.managerA, partial: true)
            #expect(partial.status == .created)
            #expect(partial.int("created") == 2)
            #expect(partial.int("error_count") == 7)
        }
    }

    @Test(
        "Malformed CSV records are reported with the line they start on",
        arguments: [
            ("text\nok\n\"never closed\nmore text\n", 3, "unterminated"),
            ("text\nok\nab\"c\n", 3, "quote"),
            ("text\n\"quoted\"trailing\n", 2, "after a closing quote"),
            ("text,text\nx,y\n", 1, "twice"),
        ])
    func malformedCSV(body: String, line: Int, messageFragment: String) async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: Array(body.utf8),
                contentType: "text/csv")
            #expect(reply.status == .unprocessableContent)
            #expect(reply.errorCode == "invalid_lines")
            #expect(reply.int("errors.0.line") == line)
            #expect(reply.string("errors.0.message")?.contains(messageFragment) == true, "\(reply.text)")
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    @Test(
        "A CSV header naming a column twice stores no task whose data cannot be read back")
    func duplicateCSVHeaderInPartialMode() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?partial=true", as: park.managerA,
                body: Array("text,text\nfirst,second\n".utf8), contentType: "text/csv")
            #expect(reply.int("errors.0.line") == 1)
            if reply.int("created") == 1 {
                let export = try await park.send(
                    .get, "/api/v1/projects/\(project)/export?format=csv", as: park.managerA)
                let rows = csvRows(export.text)
                #expect(rows.count == 2 && rows[1][1] == "first", "\(export.text)")
                let claim = try await park.send(.post, "/api/v1/projects/\(project)/next", as: park.annotatorA)
                #expect(claim.string("task.data.text") != nil, "\(claim.text)")
            } else {
                #expect(reply.int("created") == 0)
            }
        }
    }

    // MARK: Size limits

    /// An NDJSON body whose second line holds a 10 MB string.
    static let bodyWithTenMegabyteLine: [UInt8] = {
        var bytes = Array(#"{"text":"before"}"#.utf8) + [0x0A]
        bytes +=
            Array(#"{"text":""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 10_000_000) + Array(#""}"#.utf8)
        bytes += [0x0A] + Array(#"{"text":"after"}"#.utf8) + [0x0A]
        return bytes
    }()

    @Test("A 10 MB line within the body limit is a line error naming that line; its neighbours still import")
    func tenMegabyteLineIsALineError() async throws {
        try await withTestPark(importLimits: ImportLimits(maxBodyBytes: 16 << 20, maxTaskBytes: 256 << 10)) { park in
            let project = try await park.createProject(as: park.managerA)
            let path = "/api/v1/projects/\(project)/tasks"
            let atomic = try await park.send(
                .post, path, as: park.managerA, body: Self.bodyWithTenMegabyteLine, contentType: "application/x-ndjson")
            #expect(atomic.status == .unprocessableContent)
            #expect(atomic.int("error_count") == 1)
            #expect(atomic.int("errors.0.line") == 2)
            #expect(atomic.string("errors.0.message")?.contains("longer than \(256 << 10) bytes") == true)
            #expect(try await park.progress(project).int("tasks") == 0)

            let partial = try await park.send(
                .post, path + "?partial=true", as: park.managerA, body: Self.bodyWithTenMegabyteLine,
                contentType: "application/x-ndjson")
            #expect(partial.status == .created)
            #expect(partial.int("created") == 2)
            #expect(partial.int("errors.0.line") == 2)
            let export = try await park.send(.get, "/api/v1/projects/\(project)/export", as: park.managerA)
            #expect(
                ndjsonObjects(export.text).compactMap { lookUp("data.text", in: $0) as? String } == ["before", "after"])
        }
    }

    @Test("A 10 MB line over the body limit is 413")
    func tenMegabyteLineOverTheBodyLimit() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?partial=true", as: park.managerA,
                body: Self.bodyWithTenMegabyteLine, contentType: "application/x-ndjson")
            #expect(reply.status == .contentTooLarge)
            #expect(reply.errorCode == "payload_too_large")
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    @Test("A 10 MB JSON array element is a line error too")
    func tenMegabyteArrayElement() async throws {
        try await withTestPark(importLimits: ImportLimits(maxBodyBytes: 16 << 20, maxTaskBytes: 256 << 10)) { park in
            let project = try await park.createProject(as: park.managerA)
            var body = Array("[{\"text\":\"before\"},\n{\"text\":\"".utf8)
            body += [UInt8](repeating: UInt8(ascii: "b"), count: 10_000_000)
            body += Array("\"},\n{\"text\":\"after\"}]".utf8)
            let reply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks?partial=true", as: park.managerA, body: body,
                contentType: "application/json")
            #expect(reply.status == .created)
            #expect(reply.int("created") == 2)
            #expect(reply.int("errors.0.line") == 2)
        }
    }

    @Test("JSON request bodies have size limits: 1 MiB for most, 8 MiB for annotations")
    func jsonBodyLimits() async throws {
        try await withTestPark { park in
            let tooBigForSignIn = #"{"email":"a@a.test","password":"\#(String(repeating: "p", count: 1 << 20))"}"#
            let signIn = try await park.send(.post, "/api/v1/tokens", as: nil, json: tooBigForSignIn)
            #expect(signIn.status == .contentTooLarge)
            #expect(signIn.errorCode == "payload_too_large")

            let project = try await park.makeProject()
            let claim = try await park.claim(project, as: park.annotatorA)
            let padding = String(repeating: " ", count: 9 << 20)
            let submission = try await park.send(
                .post, "/api/v1/tasks/\(claim.taskID)/annotations", as: park.annotatorA,
                json: #"{"lease_token":"\#(claim.leaseToken)",\#(padding)"result":{"sentiment":"pos"}}"#)
            #expect(submission.status == .contentTooLarge)
            #expect(try await park.submit(claim, as: park.annotatorA).status == .created)
        }
    }

    // MARK: Nesting

    static let deepArray = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    static let deepObject = String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)

    @Test("JSON nested 100,000 deep is 400 invalid_json on every JSON route, without a crash")
    func deeplyNestedBodies() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject()
            let claim = try await park.claim(project, as: park.annotatorA)
            for deep in [Self.deepArray, Self.deepObject] {
                let create = try await park.send(.post, "/api/v1/projects", as: park.managerA, json: deep)
                #expect(create.status == .badRequest)
                #expect(create.errorCode == "invalid_json")
                #expect(create.string("error.message")?.contains("nested deeper") == true)

                let schema = try await park.send(
                    .post, "/api/v1/projects", as: park.managerA, json: #"{"name":"Deep","schema":\#(deep)}"#)
                #expect(schema.status == .badRequest)
                #expect(schema.errorCode == "invalid_json")

                let signIn = try await park.send(.post, "/api/v1/tokens", as: nil, json: deep)
                #expect(signIn.status == .badRequest)
                #expect(signIn.errorCode == "invalid_json")

                let submit = try await park.send(
                    .post, "/api/v1/tasks/\(claim.taskID)/annotations", as: park.annotatorA,
                    json: #"{"lease_token":"\#(claim.leaseToken)","result":{"sentiment":\#(deep)}}"#)
                #expect(submit.status == .badRequest)
                #expect(submit.errorCode == "invalid_json")
            }
            #expect(try await park.send(.get, "/api/v1/projects", as: park.managerA).array("projects")?.count == 1)
            #expect(try await park.submit(claim, as: park.annotatorA).status == .created)
        }
    }

    @Test("A deeply nested import line or array element is a line error")
    func deeplyNestedImports() async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let ndjson = try await park.importNDJSON(
                [#"{"text":"fine"}"#, #"{"text":"x","deep":\#(Self.deepArray)}"#], into: project, as: park.managerA)
            #expect(ndjson.status == .unprocessableContent)
            #expect(ndjson.int("errors.0.line") == 2)
            #expect(ndjson.string("errors.0.message")?.contains("nested deeper") == true)

            let array = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA,
                json: "[{\"text\":\"fine\"},\n\(Self.deepObject)]")
            #expect(array.status == .unprocessableContent)
            #expect(array.int("errors.0.line") == 2)
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    // MARK: Encoding

    static let invalidUTF8: [[UInt8]] = [
        [0xFF],
        [0xC0, 0xBC],  // an overlong "<", the classic filter bypass
        [0xED, 0xA0, 0x80],  // an encoded UTF-16 surrogate
        [0xE5, 0xBC],  // a truncated three-byte sequence
        [0xF4, 0x90, 0x80, 0x80],  // past U+10FFFF
    ]

    @Test("Invalid UTF-8 inside a JSON string is 400 invalid_json", arguments: invalidUTF8)
    func invalidUTF8InJSONBodies(sequence: [UInt8]) async throws {
        try await withTestPark { park in
            let name =
                Array(#"{"name":"bad "#.utf8) + sequence + Array(#" name","schema":\#(sentimentSchemaJSON)}"#.utf8)
            let create = try await park.send(
                .post, "/api/v1/projects", as: park.managerA, body: name, contentType: "application/json")
            #expect(create.status == .badRequest)
            #expect(create.errorCode == "invalid_json")
            #expect(create.string("error.message")?.contains("UTF-8") == true)

            let project = try await park.makeProject()
            let claim = try await park.claim(project, as: park.annotatorA)
            let submission =
                Array(#"{"lease_token":"\#(claim.leaseToken)","result":{"sentiment":"pos","note":""#.utf8) + sequence
                + Array(#""}}"#.utf8)
            let submit = try await park.send(
                .post, "/api/v1/tasks/\(claim.taskID)/annotations", as: park.annotatorA, body: submission,
                contentType: "application/json")
            #expect(submit.status == .badRequest)
            #expect(submit.errorCode == "invalid_json")
            #expect(try await park.send(.get, "/api/v1/projects", as: park.managerA).array("projects")?.count == 1)
        }
    }

    @Test("Invalid UTF-8 in an NDJSON line or CSV field is a line error naming the line", arguments: invalidUTF8)
    func invalidUTF8InImports(sequence: [UInt8]) async throws {
        try await withTestPark { park in
            let project = try await park.createProject(as: park.managerA)
            let ndjson =
                Array("{\"text\":\"fine\"}\n{\"text\":\"bad ".utf8) + sequence
                + Array("\"}\n{\"text\":\"fine\"}\n".utf8)
            let ndjsonReply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: ndjson,
                contentType: "application/x-ndjson")
            #expect(ndjsonReply.status == .unprocessableContent)
            #expect(ndjsonReply.int("error_count") == 1)
            #expect(ndjsonReply.int("errors.0.line") == 2)
            #expect(ndjsonReply.string("errors.0.message")?.contains("UTF-8") == true)

            let csv = Array("text\nfine\nbad ".utf8) + sequence + Array(" field\nfine\n".utf8)
            let csvReply = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA, body: csv, contentType: "text/csv")
            #expect(csvReply.status == .unprocessableContent)
            #expect(csvReply.int("error_count") == 1)
            #expect(csvReply.int("errors.0.line") == 3)
            #expect(csvReply.string("errors.0.message")?.contains("UTF-8") == true)
            #expect(try await park.progress(project).int("tasks") == 0)
        }
    }

    @Test("Lone surrogate escapes, raw control characters and NUL bytes in JSON strings are 400")
    func badEscapesAndControlCharacters() async throws {
        try await withTestPark { park in
            let bodies: [[UInt8]] = [
                Array(#"{"name":"\ud800","schema":\#(sentimentSchemaJSON)}"#.utf8),
                Array(#"{"name":"\udc00x","schema":\#(sentimentSchemaJSON)}"#.utf8),
                Array("{\"name\":\"line\nbreak\",\"schema\":\(sentimentSchemaJSON)}".utf8),
                Array(#"{"name":"nul "#.utf8) + [0x00] + Array(#"","schema":\#(sentimentSchemaJSON)}"#.utf8),
                Array(#"{"name":"P","schema":\#(sentimentSchemaJSON)} trailing"#.utf8),
            ]
            for body in bodies {
                let reply = try await park.send(
                    .post, "/api/v1/projects", as: park.managerA, body: body, contentType: "application/json")
                #expect(reply.status == .badRequest, "\(String(decoding: body.prefix(40), as: UTF8.self))")
                #expect(reply.errorCode == "invalid_json")
            }
        }
    }

    @Test(
        "Numbers that are not small integers are refused naming the field",
        arguments: ["1e400", "99999999999999999999999", "-0.5", "2.0000001", "\"3\"", "true", "null,\"overlap\":0"])
    func hostileNumbers(overlap: String) async throws {
        try await withTestPark { park in
            let reply = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":"P","schema":\#(sentimentSchemaJSON),"overlap":\#(overlap)}"#)
            // A repeated key is a syntax error; every other case names the field.
            if overlap.hasPrefix("null,") {
                #expect(reply.status == .badRequest)
            } else {
                #expect(reply.status == .unprocessableContent, "\(overlap)")
                #expect(reply.errorField == "overlap", "\(overlap)")
            }
        }
    }

    // MARK: Spans over Chinese text

    @Test(
        "Negative, overlong and past-the-end spans over Chinese text are 422 naming the span's field",
        arguments: [
            (#"[{"start":-1,"end":2,"label":"PER"}]"#, "result.entities[0].start"),
            (#"[{"start":0,"end":12,"label":"PER"}]"#, "result.entities[0].end"),
            (#"[{"start":11,"end":12,"label":"PER"}]"#, "result.entities[0].end"),
            (#"[{"start":0,"end":1000000000000,"label":"PER"}]"#, "result.entities[0].end"),
            (#"[{"start":0,"end":99999999999999999999999,"label":"PER"}]"#, "result.entities[0].end"),
            (#"[{"start":0,"end":1e400,"label":"PER"}]"#, "result.entities[0].end"),
            (#"[{"start":3,"end":3,"label":"PER"}]"#, "result.entities[0].end"),
            (#"[{"start":5,"end":2,"label":"PER"}]"#, "result.entities[0].end"),
            (#"[{"start":0.5,"end":2,"label":"PER"}]"#, "result.entities[0].start"),
            (#"[{"start":0,"end":2,"label":"PER"},{"start":6,"end":33,"label":"ORG"}]"#, "result.entities[1].end"),
            // Offsets counted in UTF-8 bytes cover different text than the client quotes.
            (#"[{"start":0,"end":6,"label":"PER","text":"张三"}]"#, "result.entities[0].text"),
            (#"[{"start":"0","end":2,"label":"PER"}]"#, "result.entities[0].start"),
            (#"[{"end":2,"label":"PER"}]"#, "result.entities[0].start"),
            (#"[{"start":0,"end":2}]"#, "result.entities[0].label"),
            (#"["张三"]"#, "result.entities[0]"),
        ])
    func spansOverChineseText(entities: String, field: String) async throws {
        try await withTestPark { park in
            // 11 Unicode scalars: 张 三 在 北 京 的 谷 歌 工 作 。
            let project = try await park.makeProject(texts: ["张三在北京的谷歌工作。"])
            let claim = try await park.claim(project, as: park.annotatorA)
            let refused = try await park.submit(
                claim, result: #"{"sentiment":"pos","entities":\#(entities)}"#, as: park.annotatorA)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.errorCode == "invalid")
            #expect(refused.errorField == field, "\(refused.text)")

            let accepted = try await park.submit(
                claim,
                result:
                    #"{"sentiment":"pos","entities":[{"start":0,"end":2,"label":"PER","text":"张三"},{"start":3,"end":5,"label":"ORG","text":"北京"},{"start":6,"end":8,"label":"ORG","text":"谷歌"},{"start":10,"end":11,"label":"PER"}]}"#,
                as: park.annotatorA)
            #expect(accepted.status == .created)
            #expect(accepted.int("result.entities.2.start") == 6)
            #expect(accepted.string("result.entities.2.text") == "谷歌")
        }
    }

    @Test("Span offsets count Unicode scalars, not UTF-16 units: an emoji is one character")
    func spansCountScalars() async throws {
        try await withTestPark { park in
            let project = try await park.makeProject(texts: ["😀张三"])
            let claim = try await park.claim(project, as: park.annotatorA)
            let utf16 = try await park.submit(
                claim, result: #"{"sentiment":"pos","entities":[{"start":2,"end":4,"label":"PER","text":"张三"}]}"#,
                as: park.annotatorA)
            #expect(utf16.status == .unprocessableContent)
            #expect(utf16.errorField == "result.entities[0].end")

            let scalars = try await park.submit(
                claim, result: #"{"sentiment":"pos","entities":[{"start":1,"end":3,"label":"PER","text":"张三"}]}"#,
                as: park.annotatorA)
            #expect(scalars.status == .created)
        }
    }

    // MARK: Markup round trip

    static let hostileText =
        "李雷说：<script>alert(1)</script> & <img src=x onerror=alert(1)> \"引号\", 逗号\n第二行 </textarea><!-- \u{2028}end"

    @Test("Chinese text with script and img markup survives import, claim, submission and both exports exactly")
    func markupRoundTrip() async throws {
        try await withTestPark { park in
            let hostile = Self.hostileText
            let project = try await park.createProject(as: park.managerA)
            try await park.importTexts([hostile], into: project)
            let csvImport = try await park.send(
                .post, "/api/v1/projects/\(project)/tasks", as: park.managerA,
                body: Array(("text\r\n\"" + hostile.replacingOccurrences(of: "\"", with: "\"\"") + "\"\r\n").utf8),
                contentType: "text/csv")
            #expect(csvImport.status == .created)

            let claim = try await park.claim(project, as: park.annotatorA)
            let claimReply = try await park.send(.get, "/api/v1/tasks/\(claim.taskID)", as: park.annotatorA)
            #expect(claimReply.string("data.text") == hostile)
            #expect(claimReply.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(!claimReply.text.contains("<script"))
            #expect(!claimReply.text.contains("<img"))

            let result = #"{"sentiment":"neg","entities":[{"start":0,"end":2,"label":"PER","text":"李雷"}]}"#
            #expect(try await park.submit(claim, result: result, as: park.annotatorA).status == .created)
            let second = try await park.claim(project, as: park.annotatorA)
            #expect(try await park.submit(second, result: result, as: park.annotatorA).status == .created)

            let jsonl = try await park.send(.get, "/api/v1/projects/\(project)/export?format=jsonl", as: park.managerA)
            #expect(jsonl.status == .ok)
            #expect(jsonl.headers[.contentType]?.contains("html") == false)
            let lines = ndjsonObjects(jsonl.text)
            #expect(lines.count == 2)
            for line in lines {
                #expect(lookUp("data.text", in: line) as? String == hostile)
                #expect(lookUp("annotations.0.result.entities.0.text", in: line) as? String == "李雷")
            }
            #expect(!jsonl.text.contains("<script"))

            let csv = try await park.send(.get, "/api/v1/projects/\(project)/export?format=csv", as: park.managerA)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.contains("<script>alert(1)</script>"))
            let rows = csvRows(csv.text)
            try #require(rows.count == 3)
            let textColumn = try #require(rows[0].firstIndex(of: "data.text"))
            #expect(rows[1][textColumn] == hostile)
            #expect(rows[2][textColumn] == hostile)
        }
    }

    @Test("Markup in project names and descriptions comes back as escaped JSON text")
    func markupInProjectFields() async throws {
        try await withTestPark { park in
            let name = "<img src=x onerror=alert(1)>"
            let description = "</script><script>alert('报告')</script>"
            let created = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json:
                    #"{"name":\#(jsonString(name)),"description":\#(jsonString(description)),"schema":\#(sentimentSchemaJSON)}"#
            )
            #expect(created.status == .created)
            let id = try #require(created.int("id"))
            let shown = try await park.send(.get, "/api/v1/projects/\(id)", as: park.managerA)
            #expect(shown.string("name") == name)
            #expect(shown.string("description") == description)
            #expect(!shown.text.contains("<img"))
            #expect(!shown.text.contains("</script"))
        }
    }

    // MARK: Names the database measures differently

    @Test(
        "A 200-character name made of combining sequences is accepted or refused, never a 500")
    func combiningCharacterNames() async throws {
        try await withTestPark { park in
            let name = String(repeating: "e\u{301}", count: 200)
            #expect(name.count == 200)
            let project = try await park.send(
                .post, "/api/v1/projects", as: park.managerA,
                json: #"{"name":\#(jsonString(name)),"schema":\#(sentimentSchemaJSON)}"#)
            #expect(project.status == .created || project.status == .unprocessableContent, "\(project.text)")

            let root = try await park.makeOperatorAdmin()
            let organization = try await park.send(
                .post, "/api/v1/organizations", as: root, json: #"{"name":\#(jsonString(name)),"kind":"vendor"}"#)
            #expect(
                organization.status == .created || organization.status == .unprocessableContent, "\(organization.text)")

            let adminA = try await park.makePerson("admin@a.test", in: park.fixture.clientA, role: .admin)
            let workplace = try await park.send(
                .post, "/api/v1/organizations/\(park.clientA)/workplaces", as: adminA,
                json: #"{"name":\#(jsonString(name)),"county":"Harju"}"#)
            #expect(workplace.status == .created || workplace.status == .unprocessableContent, "\(workplace.text)")
        }
    }

    // MARK: Paths

    @Test("Unknown routes and traversal-shaped ids are JSON 404s with the security headers")
    func unknownRoutes() async throws {
        try await withTestPark { park in
            for path in [
                "/api/v1/nothing-here", "/api/v1/projects/1/../../tokens", "/api/v1/projects/%2e%2e%2f1",
                "/api/v1/tasks/1;DROP%20TABLE%20task", "/index.html",
            ] {
                let reply = try await park.send(.get, path, as: park.managerA)
                #expect(reply.status == .notFound, "\(path)")
                #expect(reply.errorCode != nil, "\(path): \(reply.text)")
            }
        }
    }
}
