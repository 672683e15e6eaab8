import Hummingbird
import LabelParkCore
import LabelParkStore
import Synchronization

/// Quality measurement of a project's answers: agreement, each annotator's record and the aggregated
/// answer per task, for the project's managers.
struct QualityController {
    let store: any ParkStore

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.get("projects/:id/quality", use: quality)
    }

    /// `GET /api/v1/projects/{id}/quality`: recomputed from every stored answer on each call.
    @Sendable func quality(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let access = try await store.projectAccess(try context.pathID("id"), by: principal)
        try AccessRules.requireManagement(access, for: .seeQuality)
        let inputs = Mutex<[QualityTaskInput]>([])
        try await store.exportTasks(of: access.project.id, by: principal, includingGold: true) { task in
            let gold = try task.goldJSON.map { try JSONParser().parse($0) }
            let answers = try task.annotations.map { ($0.annotatorID.rawValue, try JSONParser().parse($0.resultJSON)) }
            inputs.withLock {
                $0.append(QualityTaskInput(taskID: task.id.rawValue, gold: gold, answers: answers))
            }
        }
        let questions = ProjectQuality.choiceQuestions(
            schema: access.project.schema, tasks: inputs.withLock { $0 })
        return JSONResponse.make(
            .object([
                "project_id": .integer(access.project.id.rawValue),
                "questions": .array(questions.map(Self.render)),
            ]))
    }

    private static func render(_ question: ChoiceQuestionQuality) -> JSONValue {
        .object([
            JSONMember("name", .string(question.question)), JSONMember("type", .string("choice")),
            JSONMember("options", .array(question.options.map { .string($0) })),
            JSONMember("annotations", .integer(Int64(question.annotations))),
            JSONMember("tasks", .integer(Int64(question.tasks))),
            JSONMember(
                "agreement",
                .object([
                    JSONMember("mean_pairwise_cohen_kappa", number(question.meanPairwiseCohensKappa)),
                    JSONMember("fleiss_kappa", number(question.fleissKappa)),
                    JSONMember("krippendorff_alpha_nominal", number(question.krippendorffAlphaNominal)),
                ])),
            JSONMember(
                "annotators",
                .array(
                    question.annotators.map { annotator in
                        .object([
                            JSONMember("user_id", .integer(annotator.userID)),
                            JSONMember("annotations", .integer(Int64(annotator.annotations))),
                            JSONMember("consensus_agreement", number(annotator.consensusAgreement)),
                            JSONMember("dawid_skene_accuracy", number(annotator.dawidSkeneAccuracy)),
                            JSONMember(
                                "gold",
                                .object([
                                    JSONMember("scored", .integer(Int64(annotator.goldScored))),
                                    JSONMember("accuracy", number(annotator.goldAccuracy)),
                                ])),
                        ])
                    })),
            JSONMember(
                "aggregated",
                .array(
                    question.aggregated.map { answer in
                        .object([
                            JSONMember("task_id", .integer(answer.taskID)),
                            JSONMember("majority_vote", .string(answer.majorityVote)),
                            JSONMember("majority_confidence", number(answer.majorityConfidence)),
                            JSONMember("dawid_skene", .string(answer.dawidSkene)),
                            JSONMember("dawid_skene_confidence", number(answer.dawidSkeneConfidence)),
                        ])
                    })),
        ])
    }

    /// A finite number as JSON with every digit a Double carries (so checks can compare to 1e-9), else null.
    private static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number("\(value)")
    }
}
