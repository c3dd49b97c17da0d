import Foundation

/// A validated keys.yaml (or folder of them): what the platform team declares.
///
/// Only `ManifestLoader` makes one from YAML, and only when validation found no error, so the
/// invariants below hold for every value the reconciler sees:
/// - team names are unique, key names are unique within a team (also after `renamed_from`);
/// - every team's plan exists in `plans`;
/// - every team with keys has at least one recipient;
/// - every key's defaults (`defaults:` or built in) are applied: its values are the ones it has.
public struct Manifest: Sendable, Equatable {
    public var version: Int
    /// Key prefix, e.g. `thig` for keys `thig_...`.
    public var prefix: Located<String>
    /// The plan table: the manifest's own, or `Tier.defaults`.
    public var plans: [String: Tier]
    /// Sorted by name.
    public var teams: [Team]
    /// `sha256:<hex>` over the files read (their paths and bytes, in path order), so a saved
    /// plan can tell whether the manifest changed since.
    public var digest: String

    public init(
        version: Int, prefix: Located<String>, plans: [String: Tier], teams: [Team], digest: String
    ) {
        self.version = version
        self.prefix = prefix
        self.plans = plans
        self.teams = teams.sorted { $0.name.value < $1.name.value }
        self.digest = digest
    }

    public func team(named name: String) -> Team? {
        teams.first { $0.name.value == name }
    }
}
