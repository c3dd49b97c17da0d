/// "Did you mean" for near misses: the closest candidate within a small edit distance.
enum Suggestion {
    /// The candidate nearest to `word` (Levenshtein distance ≤ 2, and less than half the
    /// word's length so short words don't match everything), or `nil`.
    static func nearest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.utf8)
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(w, Array(candidate.utf8))
            if d <= 2, d * 2 < max(w.count, 1), d < (best?.1 ?? Int.max) {
                best = (candidate, d)
            }
        }
        return best?.0
    }

    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
