/// Watches a backward pass (`Tensor.backward(observer:)`): told when each leaf's gradient is
/// final and after every node. Data-parallel training uses it to start summing gradients
/// over processes while the pass is still running (overlap of communication and compute).
public protocol BackwardObserver: AnyObject {
    /// The leaf identified by `leaf` (a tensor's `leafIdentity`) has received its last
    /// contribution in this pass; its gradient buffer will not change again.
    func leafFinished(_ leaf: ObjectIdentifier)
    /// A node's pullback has run: a chance to move communication along.
    func nodeFinished()
}
