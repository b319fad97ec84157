// SeqCore's plumbing (parallelFor, SendablePointer, ThreadCount, Vec, AtomicFile,
// InputProblem) is part of SeqTensor's API: every kernel file and every module above uses
// it, so SeqTensor re-exports it rather than each file importing it.
@_exported import SeqCore
