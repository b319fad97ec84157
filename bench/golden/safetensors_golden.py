"""Golden bytes for Tests/SeqTensorTests/SafetensorsTests.swift, written by Hugging Face's
`safetensors` (numpy API, same writer as safetensors.torch.save_file):

    /root/.cache/seq-ref/venv/bin/python bench/golden/safetensors_golden.py
"""
import numpy as np
import safetensors
from safetensors.numpy import save

print("# safetensors", safetensors.__version__)
f32 = save({"weight": np.array([[1.0, 2.0], [3.0, -4.5]], np.float32),
            "bias": np.array([0.5, -1.0], np.float32),
            "scalar": np.array(7.25, np.float32),
            "empty": np.zeros((0, 3), np.float32)},
           metadata={"format": "pt"})
print("f32", f32.hex())

half_bits = [0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0xC000, 0x7BFF, 0x7C00, 0xFC00, 0x7E00, 0x3555]
h = np.array(half_bits, np.uint16).view(np.float16)
print("f16 values", [repr(float(v)) for v in h.astype(np.float32)])
bf_bits = [0x0000, 0x8000, 0x0001, 0x007F, 0x0080, 0x3F80, 0xC040, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0, 0x3EAB]
bf = np.array(bf_bits, np.uint32) << 16
print("bf16 values", [repr(float(v)) for v in bf.view(np.float32)])
mixed = save({"h": h, "i": np.array([-3, 0, 2**40], np.int64), "b": np.array([True, False], np.bool_)})
print("mixed", mixed.hex())
