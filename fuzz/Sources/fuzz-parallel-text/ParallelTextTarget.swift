import Foundation
import FuzzSupport
import SeqTasks
import SeqText

/// Bytes → two line-aligned files (split at the first NUL byte: source before, target
/// after; without one, both sides are the whole input) → `ParallelCorpus.load`, the reader
/// of `seq train-translation --src/--tgt`, with a length limit and with `keepAll`. Its
/// contract: sides of different line counts are refused naming the target file, an empty
/// source naming the source file; otherwise the pairs kept are exactly the lines whose two
/// sides encode to 1…maxLength−1 ids, in order, `count + dropped` is the line count, and
/// the read fails only when no pair is kept.
let vocabulary: TranslationVocabulary = {
    var tokens = TranslationVocabulary.specials + (0..<256).map { ByteLevel.token(ofBytes: [UInt8($0)]) }
    let merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("a", "b")]
    tokens += merges.map { $0.0 + $0.1 }
    let bpe = try! BPE(vocabulary: Vocabulary(tokens: tokens), merges: merges, byteLevel: true)
    let tokenizer = Tokenizer(normalizer: nil, preTokenizer: .byteLevel(addPrefixSpace: true, useRegex: true), model: .bpe(bpe),
                              postProcessor: nil, decoder: .byteLevel)
    return try! TranslationVocabulary(source: tokenizer)
}()

// Two files are written per input: on tmpfs (/dev/shm) when there is one, as the disk's
// write path would otherwise be most of each execution's time.
let directory: URL = {
    let shm = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
    let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
    let url = base.appendingPathComponent("seq-fuzz-parallel-\(getpid())")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()
let sourcePath = directory.appendingPathComponent("src.txt").path
let targetPath = directory.appendingPathComponent("tgt.txt").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParallelText(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    let cut = bytes.firstIndex(of: 0)
    let src = cut.map { Array(bytes[..<$0]) } ?? bytes, tgt = cut.map { Array(bytes[($0 + 1)...]) } ?? bytes
    Fuzz.require(FileManager.default.createFile(atPath: sourcePath, contents: Data(src))
                 && FileManager.default.createFile(atPath: targetPath, contents: Data(tgt)), "cannot write the inputs in \(directory.path)")
    let encoder = vocabulary.source.makeLineEncoder()   // joint vocabulary: one side's encoder serves both
    let srcLines = src.withUnsafeBufferPointer { TextLines.split($0) }, tgtLines = tgt.withUnsafeBufferPointer { TextLines.split($0) }

    for (maxLength, keepAll) in [(6, false), (Int.max, true)] {
        let name = "maxLength \(maxLength), keepAll \(keepAll)"
        let expected = zip(srcLines, tgtLines).map { (vocabulary.encodeSource($0, encoder: encoder), vocabulary.encodeTarget($1, encoder: encoder)) }.filter {
            keepAll || (!$0.0.isEmpty && !$0.1.isEmpty && $0.0.count < maxLength && $0.1.count < maxLength)
        }
        do {
            let corpus = try ParallelCorpus.load(sourcePath: sourcePath, targetPath: targetPath, vocabulary: vocabulary,
                                                 maxLength: maxLength, keepAll: keepAll)
            Fuzz.require(srcLines.count == tgtLines.count && !srcLines.isEmpty, "\(name): read sides of \(srcLines.count) and \(tgtLines.count) lines")
            Fuzz.require(corpus.lineCount == srcLines.count && corpus.count + corpus.dropped == corpus.lineCount,
                         "\(name): \(corpus.count) pairs + \(corpus.dropped) dropped of \(corpus.lineCount) lines, the input has \(srcLines.count)")
            Fuzz.require(corpus.sources == expected.map(\.0) && corpus.targets == expected.map(\.1),
                         "\(name): kept \(corpus.count) pairs, expected \(expected.count)")
        } catch let error as CorpusError {
            if srcLines.count != tgtLines.count {
                Fuzz.require(error.path == targetPath, "\(name): a line-count mismatch blamed on \(error.path)")
            } else {
                Fuzz.require(srcLines.isEmpty || expected.isEmpty, "\(name): refused though \(expected.count) pairs fit: \(error)")
                Fuzz.require(error.path == sourcePath, "\(name): an empty corpus blamed on \(error.path)")
            }
        } catch {
            Fuzz.require(false, "\(name): not a CorpusError: \(error)")
        }
    }
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_parallel_text_main")
public func fuzzParallelTextMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let status = Fuzz.main(argc, argv, warmUp: [Array("the cat\n".utf8) + [0] + Array("le chat\n".utf8)], fuzzParallelText)
    try? FileManager.default.removeItem(at: directory)
    return status
}
