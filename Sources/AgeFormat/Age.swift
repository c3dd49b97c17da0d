/// Names of the age v1 file format (C2SP's age specification), shared by the reader and writer.
public enum Age {
    /// The first line of every binary age file.
    public static let versionLine = "age-encryption.org/v1"
}
