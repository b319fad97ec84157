/// The contents of a safetensors file: tensors converted to Float32, in header order.
public struct SafetensorsArchive {
    /// Tensor names in the order of the file's header.
    public let names: [String]
    /// The `__metadata__` map, nil when the file has none.
    public let metadata: [String: String]?
    public let tensors: [String: Tensor]
    /// The element type each tensor had in the file.
    public let dtypes: [String: SafetensorsDType]

    public init(names: [String], tensors: [String: Tensor], dtypes: [String: SafetensorsDType],
                metadata: [String: String]?) {
        self.names = names
        self.tensors = tensors
        self.dtypes = dtypes
        self.metadata = metadata
    }

    public subscript(name: String) -> Tensor? { tensors[name] }

    /// The tensors as (name, tensor) pairs in header order.
    public var ordered: [(name: String, tensor: Tensor)] { names.map { ($0, tensors[$0]!) } }
}
