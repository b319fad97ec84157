import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The buffer behind a `Tensor`: 64-byte aligned Float32, freed when the last tensor
/// (or saved tape buffer) that references it goes away.
///
/// A class so that `Tensor` can be a copy-on-write struct and so that the tape can keep a
/// forward buffer alive without copying it.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Uninitialised storage of `count` floats.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative element count \(count)")
        Allocator.configureOnce
        self.count = count
        var raw: UnsafeMutableRawPointer? = nil
        // Always allocate at least one element so that `pointer` is valid for empty tensors.
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Zero-filled storage.
    public convenience init(zeroedCount count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: count)
    }

    public func copy() -> TensorStorage {
        let s = TensorStorage(uninitializedCount: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }

    deinit { free(pointer) }
}

enum Allocator {
    /// glibc serves every block over its mmap threshold with a fresh `mmap`, so each new
    /// 32 MiB activation costs ~10 ms of page faults here. Training allocates the same sizes
    /// every step; keeping freed blocks in the heap turns those faults into reuse.
    static let configureOnce: Void = {
        #if canImport(Glibc)
        let M_TRIM_THRESHOLD: Int32 = -1
        let M_MMAP_THRESHOLD: Int32 = -3
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }()
}
