import CICU

/// ICU's version, as linked.
public var icuVersion: String { String(cString: seq_icu_version()) }
