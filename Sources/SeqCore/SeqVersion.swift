/// seq's version, the one constant behind `seq --version` and what the libraries report.
public enum SeqVersion {
    public static let current = "0.1.0"
}
