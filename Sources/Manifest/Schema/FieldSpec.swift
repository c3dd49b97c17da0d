/// One field of a fixed-shape mapping in the manifest, described once: the decoder takes its
/// field names from these descriptions and `ManifestSchema` turns the same values into JSON
/// Schema, so an editor and `keysync validate` cannot disagree about which fields exist.
struct FieldSpec: Sendable {
    let name: String
    let value: FieldValue
    /// Required in every mapping of this kind (a key's `name`, a team's `plan`).
    let required: Bool
    /// What the field means, shown by editors on hover; lower-case, one sentence or two.
    let description: String
    /// The value used when the field is left out, when there is one worth showing.
    let defaultValue: FieldDefault?

    init(_ name: String, _ value: FieldValue, required: Bool = false, default defaultValue: FieldDefault? = nil,
         _ description: String) {
        self.name = name
        self.value = value
        self.required = required
        self.description = description
        self.defaultValue = defaultValue
    }
}

/// A default value as the schema shows it.
enum FieldDefault: Sendable, Equatable {
    case integer(Int)
    case boolean(Bool)
    case text(String)
}

/// What a field's value must be. The decoder reads each scalar by this type (so `yes` is not a
/// boolean and `"60"` not an integer), and the schema states the same types and bounds.
indirect enum FieldValue: Sendable {
    /// A plain, unquoted integer within `range`.
    case integer(ClosedRange<Int>)
    /// An integer of at least `minimum`, or the word `unlimited`.
    case integerOrUnlimited(minimum: Int)
    /// `true` or `false`, nothing else.
    case boolean
    /// Text, possibly constrained by a rule (a name, an email address, a date...).
    case text(TextRule)
    case list(FieldValue)
    /// A mapping with fixed fields.
    case fields(FieldGroup)
    /// A mapping from names (teams, plans) to values; `nullable` when a name alone is allowed.
    case named(FieldValue, nullable: Bool)
}

/// A fixed-shape mapping: its fields and the rules that tie fields together.
struct FieldGroup: Sendable {
    /// The name of the schema definition (`$defs/<id>`).
    let id: String
    let title: String
    let fields: [FieldSpec]
    let rules: [FieldRule]

    var names: [String] { fields.map(\.name) }

    subscript(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
}

/// A rule over several fields of one mapping.
enum FieldRule: Sendable {
    /// At most one of the two may be set (`expires` and `expires_in`).
    case exclusive(String, String)
    /// When any field of `trigger` is present, every field of `required` must be too.
    case requiredTogether(_ required: [String], whenAnyOf: [String])
    /// When the list `field` is non-empty, `required` must be present and non-empty.
    case requiredWhenNonEmpty(_ required: String, field: String)
}
