/// Where an annotation stands in its project's workflow.
public enum AnnotationStatus: String, Sendable, Hashable, CaseIterable {
    /// Submitted by the annotator, not yet reviewed.
    case submitted
    case accepted
    case rejected
}
