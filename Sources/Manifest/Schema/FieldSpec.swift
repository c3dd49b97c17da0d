/// A field of one fixed-shape mapping, named by its YAML spelling (the raw value). Both the
/// decoder (through `table`) and the schema (through `spec`) read fields by these enums, so
/// no code depends on the order fields are listed in.
protocol ManifestField: RawRepresentable<String>, CaseIterable, Hashable, Sendable where AllCases == [Self] {
    /// The field names matched against raw key bytes.
    static var table: FieldTable<Self> { get }
    /// What the field holds and means; an exhaustive switch, so no field goes undescribed.
    var spec: FieldSpec { get }
}

/// What one field of a fixed-shape mapping holds, described once: the decoder takes its field
/// names from the same enums and `ManifestSchema` turns these values into JSON Schema, so an
/// editor and `keysync validate` cannot disagree about which fields exist.
struct FieldSpec: Sendable {
    let value: FieldValue
    /// Required in every mapping of this kind (a key's `name`, a team's `plan`).
    let required: Bool
    /// What the field means, shown by editors on hover; lower-case, one sentence or two.
    let description: String
    /// The value used when the field is left out, when there is one worth showing.
    let defaultValue: FieldDefault?

    init(_ value: FieldValue, required: Bool = false, default defaultValue: FieldDefault? = nil, _ description: String) {
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

/// A fixed-shape mapping as the schema shows it: its fields (in their enum's declaration order,
/// which is only the order editors list them in) and the rules that tie fields together.
struct FieldGroup: Sendable {
    /// The name of the schema definition (`$defs/<id>`).
    let id: String
    let title: String
    let fields: [(name: String, spec: FieldSpec)]
    let rules: [FieldRule]

    init<Field: ManifestField>(_ field: Field.Type, id: String, title: String, rules: [FieldRule]) {
        self.id = id
        self.title = title
        self.fields = Field.allCases.map { ($0.rawValue, $0.spec) }
        self.rules = rules
    }
}

/// A rule over several fields of one mapping.
enum FieldRule: Sendable {
    /// At most one of the two may be set (`expires` and `expires_in`).
    case exclusive(any ManifestField, any ManifestField)
    /// When any field of `trigger` is present, every field of `required` must be too.
    case requiredTogether(_ required: [any ManifestField], whenAnyOf: [any ManifestField])
    /// When the list `field` is non-empty, `required` must be present and non-empty.
    case requiredWhenNonEmpty(_ required: any ManifestField, field: any ManifestField)
}
