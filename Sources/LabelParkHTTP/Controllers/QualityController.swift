import Hummingbird
import LabelParkCore
import LabelParkStore
import Synchronization

/// Quality measurement of a project's answers: agreement, each annotator's record and the aggregated
/// answer per task, for the project's managers.
struct QualityController {
    let store: any ParkStore
    let gate: SnapshotReadGate
    var budget = QualityReportBudget()

    /// One report computes at a time per instance; a few more may wait, others get 429 `busy`.
    static let pool = BoundedThreadPool(threads: 1, queueLimitPerThread: 4)

    func addRoutes(to group: RouterGroup<ParkRequestContext>) {
        group.get("projects/:id/quality", use: quality)
    }

    /// `GET /api/v1/projects/{id}/quality`: recomputed from every stored answer on each call.
    ///
    /// A report that would exceed `QualityReportBudget` is refused (422 `report_too_large`) before it
    /// allocates; the computation runs on a pool of its own, one report at a time per instance.
    @Sendable func quality(request: Request, context: ParkRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let access = try await store.projectAccess(try context.pathID("id"), by: principal)
        try AccessRules.requireManagement(access, for: .seeQuality)
        let permit = try gate.enter()
        defer { withExtendedLifetime(permit) {} }
        let inputs = Mutex<[QualityTaskInput]>([])
        let read = Mutex((answers: 0, bytes: 0))
        let budget = budget
        try await store.exportTasks(of: access.project.id, by: principal, includingGold: true) { task in
            let bytes = task.annotations.reduce(task.goldJSON?.utf8.count ?? 0) { $0 + $1.resultJSON.utf8.count }
            let (answersRead, bytesRead) = read.withLock { read in
                read.answers += task.annotations.count
                read.bytes += bytes
                return read
            }
            try budget.check(answersRead: answersRead, bytesRead: bytesRead)
            let gold = try task.goldJSON.map { try JSONParser().parse($0) }
            let answers = try task.annotations.map { ($0.annotatorID.rawValue, try JSONParser().parse($0.resultJSON)) }
            var answeredAt: [Int64: Timestamp] = [:]
            for annotation in task.annotations { answeredAt[annotation.annotatorID.rawValue] = annotation.createdAt }
            inputs.withLock {
                $0.append(
                    QualityTaskInput(taskID: task.id.rawValue, gold: gold, answers: answers, answeredAt: answeredAt))
            }
        }
        let tasks = inputs.withLock { $0 }
        let schema = access.project.schema
        try budget.check(schema: schema, tasks: tasks)
        let questions = try await Self.pool.run { ProjectQuality.report(schema: schema, tasks: tasks) }
        let affiliations = try await store.annotatorAffiliations(in: access.project.id, by: principal)
        let workplaces = ProjectQuality.byWorkplace(questions, affiliations: affiliations)
        return JSONResponse.make(
            .object([
                "project_id": .integer(access.project.id.rawValue),
                "annotators": .array(affiliations.map(Self.render)),
                "questions": .array(
                    zip(questions, workplaces).map { question, grouped in
                        guard case .object(var members) = Self.render(question) else { return .null }
                        members.append(
                            JSONMember(
                                "workplaces",
                                .array(grouped.workplaces.map { Self.render($0, of: question.question.kind) })))
                        return .object(members)
                    }),
            ]))
    }

    private static func render(_ affiliation: AnnotatorAffiliation) -> JSONValue {
        .object([
            "user_id": .integer(affiliation.userID),
            "name": .string(affiliation.displayName),
            "organization": affiliation.organizationName.map { .string($0) } ?? .null,
            "workplace_id": affiliation.workplaceID.map { .integer($0) } ?? .null,
            "workplace": affiliation.workplaceName.map { .string($0) } ?? .null,
            "county": affiliation.county.map { .string($0) } ?? .null,
        ])
    }

    private static func render(_ workplace: WorkplaceQuestionQuality, of kind: QuestionKind) -> JSONValue {
        .object([
            "workplace_id": workplace.workplaceID.map { .integer($0) } ?? .null,
            "name": workplace.workplaceName.map { .string($0) } ?? .null,
            "county": workplace.county.map { .string($0) } ?? .null,
            "annotators": .integer(workplace.annotators),
            "annotations": .integer(workplace.annotations),
            "gold": render(workplace.gold, of: kind),
        ])
    }

    private static func render(_ question: QuestionQualityReport) -> JSONValue {
        let options = OptionCoding(question: question.question)?.options
        var members = [
            JSONMember("name", .string(question.question.name)),
            JSONMember("type", .string(question.question.kind.typeName)),
        ]
        if let options { members.append(JSONMember("options", .array(options.map { .string($0) }))) }
        members += [
            JSONMember("annotations", .integer(Int64(question.annotations))),
            JSONMember("tasks", .integer(Int64(question.tasks))),
            JSONMember("agreement", render(question.agreement, of: question.question.kind)),
            JSONMember(
                "annotators", .array(question.annotators.map { render($0, of: question.question.kind) })),
        ]
        switch question.aggregation {
        case .none:
            break
        case .choice(let answers):
            members.append(JSONMember("aggregated", .array(answers.map(render))))
        case .multiChoice(let selections):
            members.append(
                JSONMember("aggregated", .array(selections.map { render($0, options: options ?? []) })))
        case .boxes(let tasks):
            members.append(JSONMember("aggregated", .array(tasks.map(render))))
        case .masks(let tasks):
            members.append(JSONMember("aggregated", .array(tasks.map(render))))
        }
        if let confusion = question.goldConfusion {
            members.append(JSONMember("gold_confusion", render(confusion)))
        }
        return .object(members)
    }

    private static func render(_ task: AggregatedBoxes) -> JSONValue {
        .object([
            JSONMember("task_id", .integer(task.taskID)),
            JSONMember(
                "boxes",
                .array(
                    task.boxes.map { box in
                        .object([
                            JSONMember("x", .double(box.x)), JSONMember("y", .double(box.y)),
                            JSONMember("width", .double(box.width)), JSONMember("height", .double(box.height)),
                            JSONMember("label", .string(box.label)), JSONMember("agreement", .double(box.agreement)),
                            JSONMember("confidence", .double(box.confidence)),
                            JSONMember("support", .integer(box.support)),
                        ])
                    })),
        ])
    }

    private static func render(_ task: AggregatedMasks) -> JSONValue {
        .object([
            JSONMember("task_id", .integer(task.taskID)),
            JSONMember(
                "masks",
                .array(
                    task.masks.map { voted in
                        .object([
                            JSONMember("label", .string(voted.label)),
                            JSONMember("rle", voted.mask.cocoJSON),
                            JSONMember("area", .integer(Int64(voted.mask.area))),
                            JSONMember("support", .integer(Int64(voted.support))),
                            JSONMember("voters", .integer(Int64(voted.voters))),
                        ])
                    })),
        ])
    }

    private static func render(_ agreement: QuestionAgreement, of kind: QuestionKind) -> JSONValue {
        var members = [
            JSONMember("mean_pairwise_cohen_kappa", number(agreement.meanPairwiseCohensKappa)),
            JSONMember("fleiss_kappa", number(agreement.fleissKappa)),
            JSONMember("krippendorff_alpha_nominal", number(agreement.krippendorffAlphaNominal)),
        ]
        members += kind.type.agreementMembers(agreement)
        return .object(members)
    }

    private static func render(_ annotator: AnnotatorQualityReport, of kind: QuestionKind) -> JSONValue {
        var members = [
            JSONMember("user_id", .integer(annotator.userID)),
            JSONMember("annotations", .integer(Int64(annotator.annotations))),
            JSONMember("consensus_agreement", number(annotator.consensusAgreement)),
            JSONMember("dawid_skene_accuracy", number(annotator.dawidSkeneAccuracy)),
            JSONMember("gold", render(annotator.gold, of: kind)),
            JSONMember(
                "gold_by_day",
                .array(
                    annotator.goldByDay.map { day in
                        .object([
                            JSONMember("day", .string(day.day.iso8601)),
                            JSONMember("scored", .integer(Int64(day.scored))),
                            JSONMember("accuracy", number(day.accuracy)),
                        ])
                    })),
        ]
        if let confusion = annotator.goldConfusion {
            members.append(JSONMember("gold_confusion", render(confusion)))
        }
        return .object(members)
    }

    private static func render(_ gold: GoldRecord, of kind: QuestionKind) -> JSONValue {
        var members = [
            JSONMember("scored", .integer(Int64(gold.scored))),
            JSONMember("accuracy", number(gold.accuracy)),
        ]
        members += kind.type.goldMembers(gold)
        return .object(members)
    }

    private static func render(_ answer: AggregatedAnswer) -> JSONValue {
        .object([
            JSONMember("task_id", .integer(answer.taskID)),
            JSONMember("majority_vote", .string(answer.majorityVote)),
            JSONMember("majority_confidence", number(answer.majorityConfidence)),
            JSONMember("dawid_skene", .string(answer.dawidSkene)),
            JSONMember("dawid_skene_confidence", number(answer.dawidSkeneConfidence)),
        ])
    }

    private static func render(_ selection: AggregatedSelection, options: [String]) -> JSONValue {
        let aggregate = selection.aggregate
        return .object([
            JSONMember("task_id", .integer(selection.taskID)),
            JSONMember("annotations", .integer(Int64(aggregate.annotationCount))),
            JSONMember("majority_vote", .array(aggregate.majoritySelection.map { .string(options[$0]) })),
            JSONMember("dawid_skene", .array(aggregate.dawidSkeneSelection.map { .string(options[$0]) })),
            JSONMember("dawid_skene_confidence", number(aggregate.dawidSkeneConfidence)),
            JSONMember(
                "options",
                .array(
                    zip(options, aggregate.options).map { option, verdict in
                        .object([
                            JSONMember("option", .string(option)),
                            JSONMember("votes", .integer(Int64(verdict.votes))),
                            JSONMember("vote_share", number(verdict.voteShare)),
                            JSONMember("majority", .bool(verdict.majorityPresent)),
                            JSONMember("dawid_skene_probability", number(verdict.dawidSkeneProbability)),
                        ])
                    })),
        ])
    }

    /// Rows are the gold option, columns the answer, both in the question's option order.
    private static func render(_ confusion: GoldConfusion) -> JSONValue {
        .array(confusion.rows.map { row in .array(row.map { .integer(Int64($0)) }) })
    }

    private static func number(_ value: Double?) -> JSONValue { .measurement(value) }
}
