/// Where an annotator works, as a quality report groups them.
public struct AnnotatorAffiliation: Sendable, Hashable {
    public var userID: Int64
    public var displayName: String
    public var organizationName: String?
    /// `nil` for people not assigned to a workplace; they are grouped together.
    public var workplaceID: Int64?
    public var workplaceName: String?
    public var county: String?

    public init(
        userID: Int64, displayName: String, organizationName: String?, workplaceID: Int64?, workplaceName: String?,
        county: String?
    ) {
        self.userID = userID
        self.displayName = displayName
        self.organizationName = organizationName
        self.workplaceID = workplaceID
        self.workplaceName = workplaceName
        self.county = county
    }
}

/// One workplace's record on one question: its annotators' gold answers pooled.
public struct WorkplaceQuestionQuality: Sendable, Hashable {
    /// `nil` for the annotators without a workplace.
    public var workplaceID: Int64?
    public var workplaceName: String?
    public var county: String?
    /// Annotators of this workplace who answered the question.
    public var annotators: Int
    public var annotations: Int
    /// Every gold answer of its annotators, pooled: accuracy is the mean score over all of them, so a
    /// workplace's number weighs each answer equally, not each person.
    public var gold: GoldRecord
}

extension ProjectQuality {
    /// Groups each question's annotators by workplace, pooling their gold records; workplaces in order of
    /// name, the unassigned last. Annotators missing from `affiliations` count as unassigned.
    public static func byWorkplace(
        _ questions: [QuestionQualityReport], affiliations: [AnnotatorAffiliation]
    ) -> [(question: String, workplaces: [WorkplaceQuestionQuality])] {
        let affiliation = Dictionary(affiliations.map { ($0.userID, $0) }, uniquingKeysWith: { first, _ in first })
        return questions.map { question in
            var groups: [Int64?: WorkplaceQuestionQuality] = [:]
            for annotator in question.annotators {
                let place = affiliation[annotator.userID]
                let key = place?.workplaceID
                var group =
                    groups[key]
                    ?? WorkplaceQuestionQuality(
                        workplaceID: key, workplaceName: place?.workplaceName, county: place?.county, annotators: 0,
                        annotations: 0, gold: GoldRecord())
                group.annotators += 1
                group.annotations += annotator.annotations
                group.gold.merge(annotator.gold)
                groups[key] = group
            }
            let ordered = groups.values.sorted { left, right in
                switch (left.workplaceName, right.workplaceName) {
                case (nil, nil): return false
                case (nil, _): return false
                case (_, nil): return true
                case (let l?, let r?): return (l, left.workplaceID ?? 0) < (r, right.workplaceID ?? 0)
                }
            }
            return (question.question.name, ordered)
        }
    }
}

extension GoldRecord {
    /// Adds every count and sum of `other`, as if its answers had been scored into this record.
    public mutating func merge(_ other: GoldRecord) {
        scored += other.scored
        valueSum += other.valueSum
        ratings += other.ratings
        absoluteErrorSum += other.absoluteErrorSum
        texts += other.texts
        textErrors.characterEdits += other.textErrors.characterEdits
        textErrors.referenceCharacterCount += other.textErrors.referenceCharacterCount
        textErrors.wordEdits += other.textErrors.wordEdits
        textErrors.referenceWordCount += other.textErrors.referenceWordCount
        spanAnswers += other.spanAnswers
        spans.exact.add(other.spans.exact)
        spans.overlap.add(other.spans.overlap)
    }
}
