import LabelParkCore
import LabelParkStore
import Synchronization

/// Keeps a Dawid-Skene model per choice question of every project with dynamic overlap, up to date with
/// its annotations, and settles a task's overlap after each submission.
///
/// The models live in this instance's memory and catch up from the store: each call first reads the
/// annotations stored since the last one (by any instance) and folds each in with `DawidSkeneModel.add`,
/// O(K²) apiece, so no submission pays for a full fit. When the annotations added since the last full fit
/// reach a tenth of the model, it is refitted, which keeps the estimates close to a batch fit at an
/// amortized constant cost per annotation. A task's confidence is the lowest posterior confidence over
/// the choice questions it has answers for; projects without a choice question are left at their overlap.
final class ConsensusTracker: Sendable {
    private let store: any ParkStore
    /// Each project's models behind a lock of their own, so a refit in one project (up to a second at a
    /// million annotations) never holds up submissions in another. The table's lock is held only to look up.
    private let projects = Mutex<[ProjectID: ProjectConsensusBox]>([:])
    /// How many annotations one catch-up reads at a time.
    private let pageSize = 5_000

    init(store: any ParkStore) {
        self.store = store
    }

    /// After a submission was stored for `task`: brings the project's models up to date and applies the
    /// overlap decision; `nil` when the project has no dynamic overlap or nothing to measure.
    func settle(task: TaskID, in project: Project) async throws -> OverlapDecision? {
        guard project.quality.dynamicOverlap != nil else { return nil }
        let box = projects.withLock { table in
            // A new project, or a changed schema, starts a fresh model.
            if let box = table[project.id], box.schema == project.schema { return box }
            let box = ProjectConsensusBox(schema: project.schema)
            table[project.id] = box
            return box
        }
        // Held only to fold in annotations, never across a database call, so concurrent submissions of
        // the project do not queue behind one another's reads and writes.
        while true {
            let position = box.consensus.withLock { $0.questions.isEmpty ? AnnotationID??.none : .some($0.cursor) }
            guard let cursor = position else { return nil }
            let page = try await store.annotationDigests(in: project.id, after: cursor, limit: pageSize)
            box.consensus.withLock { $0.add(page) }
            if page.count < pageSize { break }
        }
        guard let confidence = box.consensus.withLock({ $0.confidence(ofTask: task) }) else { return nil }
        return try await store.settleOverlap(of: task, confidence: confidence)
    }
}

/// One project's models and the lock that guards them.
final class ProjectConsensusBox: Sendable {
    let schema: ProjectSchema
    let consensus: Mutex<ProjectConsensus>

    init(schema: ProjectSchema) {
        self.schema = schema
        consensus = Mutex(ProjectConsensus(schema: schema))
    }
}

/// The models of one project's choice questions and how far they have read.
struct ProjectConsensus: Sendable {
    let schema: ProjectSchema
    private(set) var cursor: AnnotationID?
    private(set) var questions: [QuestionConsensus]

    init(schema: ProjectSchema) {
        self.schema = schema
        questions = schema.questions.compactMap { question in
            guard case .one(let coding) = question.kind.type.optionAnswers,
                let model = try? DawidSkeneModel(classCount: coding.classCount)
            else { return nil }
            return QuestionConsensus(name: question.name, coding: coding, model: model)
        }
    }

    /// Folds in the digests past the cursor, in order; calls that read overlapping pages at the same time
    /// thus add each annotation once.
    mutating func add(_ digests: [AnnotationDigest]) {
        for digest in digests where digest.id > (cursor ?? AnnotationID(0)) {
            cursor = digest.id
            guard let result = try? JSONParser().parse(digest.resultJSON) else { continue }
            for index in questions.indices { questions[index].add(digest, result: result) }
        }
    }

    /// The lowest confidence over the questions the task has answers for.
    func confidence(ofTask task: TaskID) -> Double? {
        questions.compactMap { $0.confidence(ofTask: task) }.min()
    }
}

/// One choice question's incremental Dawid-Skene model, with the dense codes of its tasks and annotators.
struct QuestionConsensus: Sendable {
    let name: String
    let coding: OptionCoding
    private(set) var model: DawidSkeneModel
    private var tasks = DenseIndex<TaskID>()
    private var annotators = DenseIndex<UserID>()

    init(name: String, coding: OptionCoding, model: DawidSkeneModel) {
        self.name = name
        self.coding = coding
        self.model = model
    }

    mutating func add(_ digest: AnnotationDigest, result: JSONValue) {
        guard let label = result[name]?.stringValue.flatMap(coding.code(of:)) else { return }
        let observation = LabelObservation(
            task: tasks.insert(digest.taskID), annotator: annotators.insert(digest.annotatorID), label: label)
        // Codes come from the indexes and labels from the coding, so they are in range.
        _ = try? model.add(observation)
        if model.addedSinceFit * 10 >= model.observationCount, model.observationCount >= 20 {
            model.refit()
        }
    }

    func confidence(ofTask task: TaskID) -> Double? {
        guard let code = tasks.code(of: task), model.annotationCount(ofTask: code) > 0 else { return nil }
        return model.posterior(ofTask: code).confidence
    }
}
