import Foundation
import Testing
import SeqModels
import SeqTasks
import SeqTensor

struct NextSentencePairerTests {
    /// Rows are [CLS] A [SEP] B [SEP] with segment ids 0…0 1…1 and padding after; a "follows"
    /// pair continues within a document; labels are about half random.
    @Test func pairsHaveTheBERTLayout() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Documents of two or three one-token lines.
        var text = ""
        for d in 0..<40 { text += d % 2 == 0 ? "a\nb\nc\n\n" : "d\ne\n\n" }
        let path = Fixture.file(text, in: dir)
        let pairer = try NextSentencePairer(file: try CorpusFile(path: path), tokenizer: try Fixture.tokenizer(), cls: 2, sep: 3, pad: 0,
                                            length: 8, start: StreamPosition())
        let g = RandomGenerator(seed: 4)
        var random = 0, total = 0
        for k in 0..<10 {
            let (batch, labels) = try pairer.nextBatch(rows: 16) { g.derived(UInt64(16 * k + $0)) }
            for r in 0..<batch.batchSize {
                let row = Array(batch.ids[(r * batch.length)..<((r + 1) * batch.length)])
                let types = Array(batch.typeIDs[(r * batch.length)..<((r + 1) * batch.length)])
                let real = batch.attentionMask[(r * batch.length)..<((r + 1) * batch.length)].filter { $0 == 1 }.count
                #expect(row[0] == 2 && row[real - 1] == 3)
                let seps = (0..<real).filter { row[$0] == 3 }
                #expect(seps.count == 2)
                let a = Array(row[1..<seps[0]]), b = Array(row[(seps[0] + 1)..<(real - 1)])
                #expect(!a.isEmpty && !b.isEmpty && a.count + b.count <= 5)
                #expect(types[0...seps[0]].allSatisfy { $0 == 0 } && types[(seps[0] + 1)..<real].allSatisfy { $0 == 1 })
                #expect(row[real...].allSatisfy { $0 == 0 })
                if labels[r] == 0 {
                    // B continues A inside one document: a→b→c or d→e.
                    let next: [Int32: Int32] = [5: 6, 6: 7, 8: 9]
                    #expect(next[a.last!] == b.first!, "\(a) \(b)")
                }
                random += Int(labels[r])
                total += 1
            }
        }
        #expect(random > total / 4 && random < 3 * total / 4)
    }
}
