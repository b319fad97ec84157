/// A growable buffer of trivial values over a raw pointer: no uniqueness or bounds checks in
/// hot loops. Owned by one encoder (one thread); `free()` releases it.
struct Buffer<T> {
    var base: UnsafeMutablePointer<T>
    var count = 0
    var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func free() { base.deallocate() }

    @inline(__always)
    mutating func append(_ x: T) {
        if count == capacity { grow(count + 1) }
        base[count] = x
        count &+= 1
    }

    @inline(__always)
    mutating func reserve(_ n: Int) { if n > capacity { grow(n) } }

    @inline(never)
    mutating func grow(_ n: Int) {
        var c = capacity * 2
        while c < n { c *= 2 }
        let p = UnsafeMutablePointer<T>.allocate(capacity: c)
        p.moveInitialize(from: base, count: count)
        base.deallocate()
        base = p
        capacity = c
    }

    @inline(__always) subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    var buffer: UnsafeBufferPointer<T> { UnsafeBufferPointer(start: base, count: count) }
    var array: [T] { Array(buffer) }
}
