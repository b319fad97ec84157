import Foundation
import Testing
import SeqModels
@testable import SeqTasks
import SeqText

struct SequencePackerTests {
    /// Lines → ids + [SEP], empty and blank lines skipped, a last line without "\n" counted,
    /// wrapping to the start: every row read off by hand.
    @Test func packsExactRowsAndWraps() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Fixture.file("a b\n\nc d e\n   \nf", in: dir)
        let stream = TokenStream(file: try CorpusFile(path: path), tokenizer: try Fixture.tokenizer(), separator: 3)
        let packer = SequencePacker(stream: stream, cls: 2, sep: 3, length: 5)
        let batch = try packer.nextBatch(rows: 4)
        // stream: a b SEP c d e SEP f SEP | a b SEP c d e SEP ...
        #expect(batch.ids == [2, 5, 6, 3, 3,
                              2, 7, 8, 9, 3,
                              2, 3, 11, 3, 3,
                              2, 5, 6, 3, 3])
        #expect(batch.batchSize == 4 && batch.length == 5)
        #expect(batch.attentionMask.allSatisfy { $0 == 1 } && batch.typeIDs.allSatisfy { $0 == 0 })
        #expect(stream.position.pass == 1)
    }

    /// A reader rebuilt at a saved position continues with exactly the same ids, including
    /// a position in the middle of a line.
    @Test func resumesFromASavedPosition() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Fixture.file("a b c d e f\nc ax d\n\ne e e\nb", in: dir)
        let tok = try Fixture.tokenizer()
        let straight = TokenStream(file: try CorpusFile(path: path), tokenizer: tok, separator: 3)
        var all: [Int32] = []
        try straight.read(40, into: &all)
        for cut in [1, 4, 7, 9, 13, 22] {
            let first = TokenStream(file: try CorpusFile(path: path), tokenizer: tok, separator: 3)
            var ids: [Int32] = []
            try first.read(cut, into: &ids)
            let saved = first.position
            let second = TokenStream(file: try CorpusFile(path: path), tokenizer: tok, separator: 3, position: saved)
            try second.read(40 - cut, into: &ids)
            #expect(ids == all, "cut at \(cut)")
        }
        // "ax" is a + ##x.
        #expect(Array(all[7..<12]) == [7, 5, 10, 8, 3])
    }

    @Test func heldOutHeadIsAtMostATenthAndTrainingStartsAfterIt() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 20 lines of "a b c d e f" = 140 ids with separators.
        let path = Fixture.file(String(repeating: "a b c d e f\n", count: 20), in: dir)
        let file = try CorpusFile(path: path)
        let tok = try Fixture.tokenizer()
        // 2 rows of 3 ids wanted = 6 ids ≤ 140 / 10: the full 2 rows.
        let slice = try HeldOutSlice.head(of: file, tokenizer: tok, cls: 2, sep: 3, length: 5, rows: 2)
        #expect(slice.rows == [[2, 5, 6, 7, 3], [2, 8, 9, 11, 3]])
        #expect(slice.trainingStart == StreamPosition(offset: 0, tokenIndex: 6, pass: 0))
        let stream = TokenStream(file: file, tokenizer: tok, separator: 3, start: slice.trainingStart)
        var ids: [Int32] = []
        try stream.read(3, into: &ids)
        #expect(ids == [3, 5, 6])
        // 20 rows wanted = 60 ids > 140 / 10: only 14 ids are held out.
        let small = try HeldOutSlice.head(of: file, tokenizer: tok, cls: 2, sep: 3, length: 5, rows: 20)
        #expect(small.tokenCount == 14)
        #expect(small.rows.last == [2, 11, 3, 3])
    }

    @Test func emptyCorporaAreRefusedWithTheirPath() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in [("empty.txt", ""), ("blank.txt", "\n\n  \n\t\n")] {
            let path = Fixture.file(text, in: dir, name: name)
            let packer = SequencePacker(stream: TokenStream(file: try CorpusFile(path: path), tokenizer: try Fixture.tokenizer(), separator: 3),
                                        cls: 2, sep: 3, length: 5)
            #expect(throws: CorpusError.self) { _ = try packer.nextBatch(rows: 1) }
            do { _ = try packer.nextBatch(rows: 1) } catch {
                #expect(error.description.hasPrefix(path + ": the corpus holds no text"))
            }
        }
        #expect(throws: CorpusError.self) { _ = try CorpusFile(path: dir.appendingPathComponent("missing.txt").path) }
        #expect(throws: CorpusError.self) { _ = try CorpusFile(path: dir.path) }
    }

    /// Invalid UTF-8 decodes to U+FFFD, which BERT's clean-up drops with NUL bytes (as
    /// transformers), and a 10 MB line streams through a buffer that grows to fit it.
    @Test func invalidUTF8AndAHugeLine() throws {
        let dir = Fixture.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = Fixture.file([0x61, 0x20, 0xFF, 0xFE, 0x20, 0x62, 0x00, 0x0A, 0x63], in: dir)
        let stream = TokenStream(file: try CorpusFile(path: path), tokenizer: try Fixture.tokenizer(), separator: 3)
        var ids: [Int32] = []
        try stream.read(6, into: &ids)
        #expect(ids == [5, 6, 3, 7, 3, 5])   // U+FFFD and NUL are removed by BERT's clean-up

        var big = [UInt8]()
        big.reserveCapacity(10_000_002)
        for _ in 0..<(10_000_000 / 4) { big += [0x61, 0x20, 0x62, 0x20] }   // "a b " × 2.5 M
        big += [0x0A, 0x63]
        let bigPath = Fixture.file(big, in: dir, name: "big.txt")
        let file = try CorpusFile(path: bigPath)
        let bigStream = TokenStream(file: file, tokenizer: try Fixture.tokenizer(), separator: 3)
        var first: [Int32] = []
        try bigStream.read(5_000_003, into: &first)
        #expect(first.count == 5_000_003)
        #expect(Array(first.suffix(3)) == [3, 7, 3])
        #expect(first[4_999_999] == 6)
    }
}
