import Testing
@testable import SeqTensor

/// Large freed blocks are reused: exactly the same size, or a slightly smaller request
/// (a batch that shrinks by a few rows per step) gets the block just freed instead of new
/// zeroed pages; a request far smaller does not tie up a large block.
struct BlockCacheTests {
    @Test func aSlightlySmallerRequestReusesTheFreedBlock() {
        // Sizes no other test allocates, so that the shared cache's free lists are ours; the
        // smaller request is in a lower size class (12.6 → 11 MB), which alone found nothing.
        let large = 3_141_593
        var first: TensorStorage? = TensorStorage(uninitializedCount: large)
        let address = first!.pointer
        let capacity = first!.capacity
        first = nil
        var smaller: TensorStorage? = TensorStorage(uninitializedCount: large - 400_000)
        #expect(smaller!.pointer == address)
        #expect(smaller!.capacity == capacity)
        smaller!.pointer[large - 400_001] = 1   // the whole requested count is usable
        smaller = nil
        let tiny = TensorStorage(uninitializedCount: large / 3)
        #expect(tiny.pointer != address)
        #expect(tiny.capacity < capacity)
    }
}
