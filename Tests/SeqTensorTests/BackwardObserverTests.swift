import Testing
import SeqTensor
import SeqTestSupport

/// `backward(observer:)` announces each leaf once, only after its gradient is final: what
/// lets a data-parallel reducer start summing a gradient during the pass.
@Suite struct BackwardObserverTests {
    /// Records, at each announcement, the leaf's gradient as it is at that moment.
    final class Recorder: BackwardObserver {
        var leaves: [ObjectIdentifier: Tensor] = [:]
        var announced: [(ObjectIdentifier, [Float])] = []
        var nodes = 0
        func leafFinished(_ leaf: ObjectIdentifier) { announced.append((leaf, leaves[leaf]!.grad!.scalars)) }
        func nodeFinished() { nodes += 1 }
    }

    @Test func everyLeafIsAnnouncedOnceWithItsFinalGradient() {
        // w1 is used twice, early and late in the graph; w2 once, near the loss; x needs no
        // gradient and must not be announced.
        let x = TestTensors.normal([3, 4], seed: 1)
        let w1 = TestTensors.normal([4, 4], seed: 2).requiringGrad()
        let w2 = TestTensors.normal([4, 2], seed: 3).requiringGrad()
        let h = x.matmul(w1).relu().matmul(w1).tanh()
        let loss = h.matmul(w2).sum()
        let recorder = Recorder()
        for w in [w1, w2] { recorder.leaves[w.leafIdentity!] = w }
        loss.backward(observer: recorder)
        #expect(recorder.announced.count == 2)
        #expect(Set(recorder.announced.map(\.0)) == [w1.leafIdentity!, w2.leafIdentity!])
        for (leaf, atAnnouncement) in recorder.announced {
            #expect(atAnnouncement == recorder.leaves[leaf]!.grad!.scalars, "announced before its last contribution")
        }
        // w2 feeds the last product, so it is final before w1.
        #expect(recorder.announced.first?.0 == w2.leafIdentity!)
        #expect(recorder.nodes >= 6)
    }
}
