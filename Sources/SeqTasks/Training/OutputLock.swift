import Foundation
import SeqTensor
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on an output directory for the life of a run (`OUT/.lock`, flock):
/// a second run into the same directory is refused in one sentence instead of the two
/// overwriting each other's checkpoints. The kernel releases it when the process ends,
/// however it ends, so a killed run never leaves a stale lock.
public final class OutputLock {
    let fd: Int32

    public init(_ directory: URL) throws {
        let path = directory.appendingPathComponent(".lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw InputProblem(file: directory.path, message: "cannot create \(path) (\(String(cString: strerror(errno))))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw InputProblem(file: directory.path, message: "the directory is in use by another seq run; wait for it to finish or choose another --out")
        }
    }

    deinit { close(fd) }
}

