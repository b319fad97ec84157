/// A raw pointer that may cross into worker threads.
///
/// The one place in seq that claims sendability of raw pointers. Sound only because the
/// code that shares one splits its memory into disjoint ranges, one per worker, and reads
/// shared input only; every use must keep to that.
@frozen
public struct SendablePointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>

    @inlinable @inline(__always)
    public init(_ p: UnsafeMutablePointer<T>) { self.p = p }

    @inlinable @inline(__always)
    public init(_ p: UnsafePointer<T>) { self.p = UnsafeMutablePointer(mutating: p) }

    /// The start of a buffer (which must not be empty).
    @inlinable @inline(__always)
    public init(_ buffer: UnsafeMutableBufferPointer<T>) { self.p = buffer.baseAddress! }

    /// The start of a buffer (which must not be empty).
    @inlinable @inline(__always)
    public init(_ buffer: UnsafeBufferPointer<T>) { self.p = UnsafeMutablePointer(mutating: buffer.baseAddress!) }
}
