import CBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The buffer behind a `Tensor`: 64-byte aligned Float32, freed when the last tensor
/// (or saved tape buffer) that references it goes away.
///
/// A class so that `Tensor` can be a copy-on-write struct and so that the tape can keep a
/// forward buffer alive without copying it.
public final class TensorStorage {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Uninitialised storage of `count` floats.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative element count \(count)")
        self.count = count
        (pointer, capacity) = BlockCache.shared.allocate(floats: BlockCache.sizeClass(floats: max(count, 1)))
    }

    /// Floats actually allocated: `count` rounded up to the cache's size class, or a cached
    /// block somewhat larger (see `BlockCache.allocate`).
    let capacity: Int

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

    deinit { BlockCache.shared.release(pointer, floats: capacity) }
}

/// Keeps freed large blocks for reuse, keyed by exact size. glibc serves blocks over its
/// mmap threshold (at most 32 MiB) with a fresh `mmap`, and page-faulting a new 32 MiB
/// activation costs ~10 ms here, more than most kernels. Training allocates the same sizes
/// every step, so exact-size reuse turns those faults into a lock and a pop.
final class BlockCache: Sendable {
    static let shared = BlockCache()
    /// Below this, malloc's own bins are fast enough.
    static let minimumBytes = 1 << 16

    /// Large sizes round up to 1/8 of their power of two (≤ 12.5% slack), so that buffers
    /// whose size changes a little from step to step (the logits of a varying number of
    /// masked tokens) still reuse each other's blocks.
    static func sizeClass(floats: Int) -> Int {
        let bytes = floats * MemoryLayout<Float>.stride
        if bytes < minimumBytes { return floats }
        let granule = max(64, (1 << (Int.bitWidth - 1 - bytes.leadingZeroBitCount)) >> 3)
        return ((bytes + granule - 1) / granule * granule) / MemoryLayout<Float>.stride
    }
    /// Beyond this many cached bytes, released blocks are freed instead.
    static let capacityBytes = 1 << 30

    private let lock = Mutex<State>(State())
    private struct State {
        var free: [Int: [UInt]] = [:]   // addresses: plain integers are Sendable
        var cachedBytes = 0
    }

    /// A block of at least `floats` floats and its true size in floats: a cached block of
    /// exactly that size, else the smallest cached one up to half as large again, else a
    /// new one. The fallback matters when a size shrinks a little at every step (beam
    /// search's KV caches as sentences finish): each new size would otherwise be a fresh
    /// `mmap`, and the kernel zeroing its pages was 24% of beam-5 batch-64 decoding (perf,
    /// `clear_page_erms`) while the blocks of the steps before sat unused here.
    func allocate(floats: Int) -> (UnsafeMutablePointer<Float>, Int) {
        let bytes = floats * MemoryLayout<Float>.stride
        if bytes >= Self.minimumBytes {
            let reused: (UInt, Int)? = lock.withLock { state in
                var size = bytes
                if state.free[bytes]?.isEmpty ?? true {
                    let limit = bytes + bytes / 2
                    guard let fit = state.free.lazy.filter({ $0.key > bytes && $0.key <= limit && !$0.value.isEmpty })
                        .map(\.key).min() else { return nil }
                    size = fit
                }
                guard let p = state.free[size]?.popLast() else { return nil }
                state.cachedBytes -= size
                return (p, size)
            }
            if let (address, size) = reused, let p = UnsafeMutablePointer<Float>(bitPattern: address) {
                return (p, size / MemoryLayout<Float>.stride)
            }
        }
        var raw: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        return (raw.bindMemory(to: Float.self, capacity: floats), floats)
    }

    func release(_ pointer: UnsafeMutablePointer<Float>, floats: Int) {
        let bytes = floats * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer(pointer)
        if bytes >= Self.minimumBytes {
            let kept = lock.withLock { state -> Bool in
                guard state.cachedBytes + bytes <= Self.capacityBytes else { return false }
                state.free[bytes, default: []].append(UInt(bitPattern: raw))
                state.cachedBytes += bytes
                return true
            }
            if kept { return }
        }
        free(raw)
    }
}
