/// Majority vote: each task's most frequent label, with the share of votes it got as its confidence.
///
/// Every annotator counts the same. A task without annotations gets label 0 with confidence 0 and
/// `annotationCount` 0; check the count before using its label.
public enum MajorityVote {
    /// Each task's most voted label, indexed by task code; among equally voted labels the lowest code wins.
    ///
    /// Lowest-code tie-breaking is reproducible but favours the first options of the question; use
    /// `aggregate(_:breakingTiesWith:)` where that bias matters (two annotators who disagree always tie).
    public static func aggregate(_ observations: LabelObservations) -> [TaskPosterior] {
        var counts = [Int](repeating: 0, count: observations.classCount)
        var results: [TaskPosterior] = []
        results.reserveCapacity(observations.taskCount)
        for task in 0..<observations.taskCount {
            let range = observations.annotationRange(ofTask: task)
            for position in range { counts[observations.label(at: position)] += 1 }
            var winner = 0
            var winnerVotes = 0
            // Only the labels present are visited, so a task costs O(its annotations) whatever K is.
            for position in range {
                let label = observations.label(at: position)
                let votes = counts[label]
                if votes > winnerVotes || (votes == winnerVotes && label < winner) {
                    winner = label
                    winnerVotes = votes
                }
            }
            for position in range { counts[observations.label(at: position)] = 0 }
            results.append(share(of: winner, votes: winnerVotes, outOf: range.count))
        }
        return results
    }

    /// Each task's most voted label, indexed by task code; among equally voted labels `generator` picks one
    /// uniformly.
    ///
    /// The generator is drawn from only for tied tasks, in task order, choosing among the tied labels
    /// sorted by code: the same seed and the same observations give the same answer, whatever order the
    /// annotations of a task came in.
    public static func aggregate(
        _ observations: LabelObservations, breakingTiesWith generator: inout some RandomNumberGenerator
    ) -> [TaskPosterior] {
        var counts = [Int](repeating: 0, count: observations.classCount)
        var tied: [Int] = []
        var results: [TaskPosterior] = []
        results.reserveCapacity(observations.taskCount)
        for task in 0..<observations.taskCount {
            let range = observations.annotationRange(ofTask: task)
            var winnerVotes = 0
            for position in range {
                let label = observations.label(at: position)
                counts[label] += 1
                winnerVotes = max(winnerVotes, counts[label])
            }
            tied.removeAll(keepingCapacity: true)
            for position in range {
                let label = observations.label(at: position)
                // Zeroing as we go both resets the counts and keeps a label from joining `tied` twice.
                if counts[label] == winnerVotes { tied.append(label) }
                counts[label] = 0
            }
            tied.sort()
            let winner: Int
            switch tied.count {
            case 0: winner = 0
            case 1: winner = tied[0]
            default: winner = tied[Int.random(in: 0..<tied.count, using: &generator)]
            }
            results.append(share(of: winner, votes: winnerVotes, outOf: range.count))
        }
        return results
    }

    /// Writes each task's vote shares (votes for a label / annotations of the task) into `shares`, K per
    /// task, task-major; a task without annotations gets all zeros.
    static func writeVoteShares(of observations: LabelObservations, into shares: inout [Double]) {
        let classCount = observations.classCount
        shares.removeAll(keepingCapacity: true)
        shares.append(contentsOf: repeatElement(0, count: observations.taskCount * classCount))
        for task in 0..<observations.taskCount {
            let range = observations.annotationRange(ofTask: task)
            guard !range.isEmpty else { continue }
            for position in range { shares[task * classCount + observations.label(at: position)] += 1 }
            let total = Double(range.count)
            for cell in (task * classCount)..<((task + 1) * classCount) { shares[cell] /= total }
        }
    }

    private static func share(of label: Int, votes: Int, outOf total: Int) -> TaskPosterior {
        TaskPosterior(
            label: label, confidence: total == 0 ? 0 : Double(votes) / Double(total), annotationCount: total)
    }
}
