/// Counts as people read them in a CI log or a plan summary: `21,285`, always with commas,
/// whatever the machine's locale, so logs and golden files are the same everywhere.
public enum CountText {
    public static func grouped(_ count: Int) -> String {
        let digits = String(count.magnitude)
        var out = count < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }
}
