import Foundation
import FuzzSupport
import SeqModels
import SeqNN
import SeqTensor

/// config.json bytes → `BertConfig` + `validate()`: either an error, or a config whose
/// parameter count (the memory estimate checked before allocating) is what a model built
/// from it holds, for configs small enough to build here.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigJSON(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    guard let config = try? JSONDecoder().decode(BertConfig.self, from: Data(bytes)) else { return 0 }
    guard (try? config.validate()) != nil else { return 0 }
    guard let estimate = config.parameterCount(pooler: true) else {
        Fuzz.require(false, "a config that validates has no parameter count")
        return 0
    }
    guard estimate <= 200_000 else { return 0 }
    var generator = RandomGenerator(seed: 0)
    let model = withoutGradients { BertModel(config, pooler: true, generator: &generator) }
    Fuzz.require(model.parameterCount == estimate, "estimate \(estimate) parameters, the model holds \(model.parameterCount)")
    return 0
}

/// The program's entry (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_config_json_main")
public func fuzzConfigJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, warmUp: [Array(#"{"vocab_size":5,"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":1,"intermediate_size":4}"#.utf8)], fuzzConfigJSON)
}
