import Foundation
import HTTPTypes
import LabelParkCore
import LabelParkHTTP
import LabelParkSQLite
import LabelParkStore
import LabelParkTestSupport
import Testing

@Suite("Export aggregates over HTTP")
struct ExportAggregateRouteTests {
    /// One task answered pos, pos, neg by three annotators, one task nobody answered.
    func votedProject(_ park: TestPark) async throws -> (project: Int, annotators: [Person]) {
        let project = try await park.makeProject(texts: ["voted"], overlap: 3)
        let annotators = [
            park.annotatorA, try await park.makeAnnotator("second"), try await park.makeAnnotator("third"),
        ]
        for (annotator, answer) in zip(annotators, ["pos", "pos", "neg"]) {
            _ = try await park.annotate(project, as: annotator, result: #"{"sentiment":"\#(answer)"}"#)
        }
        // Imported only now, so that the queue cannot hand it to any of the three.
        try await park.importTexts(["unanswered"], into: project)
        return (project, annotators)
    }

    /// The Dawid-Skene posterior the export should give the voted task: the default fit over the same
    /// three answers (annotators coded in order of first answer, pos = 0, neg = 1).
    func expectedPosterior() throws -> TaskPosterior {
        let observations = try LabelObservations(
            classCount: 3, taskCount: 2, annotatorCount: 3,
            observations: [
                LabelObservation(task: 0, annotator: 0, label: 0), LabelObservation(task: 0, annotator: 1, label: 0),
                LabelObservation(task: 0, annotator: 2, label: 1),
            ])
        return try DawidSkene().fit(observations).parameters.posterior(
            of: [(annotator: 0, label: 0), (annotator: 1, label: 0), (annotator: 2, label: 1)])
    }

    @Test("JSONL: 2:1 votes give majority pos at 2/3 and a Dawid-Skene answer; no answers give {}")
    func jsonl() async throws {
        try await withTestPark { park in
            let (project, _) = try await votedProject(park)
            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export?format=jsonl", as: park.managerA)
            #expect(reply.status == .ok)
            let lines = ndjsonObjects(reply.text)
            try #require(lines.count == 2)
            #expect(lookUp("data.text", in: lines[0]) as? String == "voted")
            #expect((lookUp("annotations", in: lines[0]) as? [Any])?.count == 3)

            let sentiment = try #require(lookUp("aggregate.sentiment", in: lines[0]) as? [String: Any])
            #expect(sentiment["majority_vote"] as? String == "pos")
            let majority = try #require(sentiment["majority_confidence"] as? Double)
            #expect(abs(majority - 2.0 / 3) < 1e-12)  // 2 of 3 votes
            #expect(sentiment["method"] as? String == "dawid_skene")
            #expect(sentiment["annotations"] as? Int == 3)
            let expected = try expectedPosterior()
            #expect(expected.label == 0)  // two of three agreeing annotators outweigh the third
            #expect(sentiment["answer"] as? String == "pos")
            let confidence = try #require(sentiment["confidence"] as? Double)
            #expect(confidence > 0 && confidence <= 1)
            #expect(abs(confidence - expected.confidence) < 1e-12)
            // Only one question is a choice; spans get no aggregate.
            #expect((lookUp("aggregate", in: lines[0]) as? [String: Any])?.keys.sorted() == ["sentiment"])

            #expect(lookUp("data.text", in: lines[1]) as? String == "unanswered")
            #expect((lookUp("aggregate", in: lines[1]) as? [String: Any])?.isEmpty == true)
        }
    }

    @Test("CSV: sentiment.aggregate and sentiment.confidence on every row of the voted task, empty otherwise")
    func csv() async throws {
        try await withTestPark { park in
            let (project, _) = try await votedProject(park)
            let reply = try await park.send(.get, "/api/v1/projects/\(project)/export?format=csv", as: park.managerA)
            #expect(reply.status == .ok)
            let rows = csvRows(reply.text)
            try #require(rows.count == 5)  // the header, three annotations, the unanswered task
            let header = rows[0]
            #expect(Array(header.suffix(3)) == ["result", "sentiment.aggregate", "sentiment.confidence"])
            #expect(rows.allSatisfy { $0.count == header.count })
            let answer = try #require(header.firstIndex(of: "sentiment.aggregate"))
            let confidence = try #require(header.firstIndex(of: "sentiment.confidence"))
            let expected = try expectedPosterior()
            for row in rows[1...3] {
                #expect(row[answer] == "pos")
                let value = try #require(Double(row[confidence]))
                #expect(abs(value - expected.confidence) < 1e-12)
            }
            #expect(rows[4][answer] == "" && rows[4][confidence] == "")
        }
    }

    @Test("aggregate=false leaves the aggregates out; any other value is a 422 naming the parameter")
    func withoutAggregates() async throws {
        try await withTestPark { park in
            let (project, _) = try await votedProject(park)
            let plain = try await park.send(
                .get, "/api/v1/projects/\(project)/export?aggregate=false", as: park.managerA)
            #expect(plain.status == .ok)
            let lines = ndjsonObjects(plain.text)
            #expect(lines.count == 2 && lines.allSatisfy { lookUp("aggregate", in: $0) == nil })
            let csv = try await park.send(
                .get, "/api/v1/projects/\(project)/export?format=csv&aggregate=false", as: park.managerA)
            #expect(csvRows(csv.text).first?.last == "result")
            let bad = try await park.send(.get, "/api/v1/projects/\(project)/export?aggregate=yes", as: park.managerA)
            #expect(bad.status == .unprocessableContent && bad.errorField == "aggregate")
        }
    }
}
