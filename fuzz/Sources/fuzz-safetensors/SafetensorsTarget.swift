import FuzzSupport
import SeqTensor

/// safetensors bytes → `Safetensors.decode`: either an error, or an archive that encodes
/// and decodes to the same names, shapes and values, and whose encoding is a fixed point
/// (encode ∘ decode gives the same bytes again).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    guard let archive = try? Safetensors.decode(bytes, path: "fuzz") else { return 0 }
    let saved: [UInt8]
    do { saved = try Safetensors.encode(archive.ordered, metadata: archive.metadata) } catch {
        Fuzz.require(false, "an archive that loads does not save: \(error)")
        return 0
    }
    guard let again = try? Safetensors.decode(saved, path: "fuzz-resaved") else {
        Fuzz.require(false, "the re-saved archive does not load")
        return 0
    }
    // Saving orders tensors its own way (by offset); the set of names must not change.
    Fuzz.require(again.names.sorted() == archive.names.sorted(), "names changed on re-save")
    for name in archive.names {
        let a = archive[name]!, b = again[name]!
        Fuzz.require(a.shape == b.shape, "\(name): shape changed on re-save")
        Fuzz.require(zip(a.scalars, b.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name): values changed on re-save")
    }
    let resaved = try? Safetensors.encode(again.ordered, metadata: again.metadata)
    Fuzz.require(resaved == saved, "re-saving is not byte-identical")
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_safetensors_main")
public func fuzzSafetensorsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, warmUp: [], fuzzSafetensors)
}
