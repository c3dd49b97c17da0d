import KeysyncCore

/// The schema is a `JSONValue`: its object members keep the order they were written in, so the
/// generated schema reads top-down like the manifest format, and the one JSON writer lays it out
/// (`JSONLayout.schema`) byte-for-byte stable.
typealias SchemaJSON = JSONValue
