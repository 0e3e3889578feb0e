#!/usr/bin/python3
"""Reference safetensors files from PyTorch, for tests/test_safetensors.cpp.

Debian's python3-torch has no safetensors module, so this writes and reads the format with json
and raw bytes, following the reference writer's rules (as focus does):
  - tensors ordered by dtype alignment, descending in the reference's dtype order
    (I64, F64, F32, BOOL), then by name (byte order);
  - offsets contiguous from 0; header keys "__metadata__" first (with "format": "pt"), then
    tensors in data order; compact JSON, raw UTF-8; padded with spaces to a multiple of 8 bytes.

Usage (the system python, where torch lives):
  /usr/bin/python3 tests/reference/safetensors_ref.py write tests/data/torch_written.safetensors
      writes the reference tensors and prints their values (pasted into the C++ test);
  /usr/bin/python3 tests/reference/safetensors_ref.py read FILE
      reads FILE (e.g. written by focus) with torch.frombuffer, prints every tensor, restores
      focus's tied names ("focus.alias.<name>" metadata), and checks that writing the tensors
      back with these rules reproduces FILE byte for byte.
"""
import json
import struct
import sys

import torch

CODES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.bool: "BOOL"}
DTYPES = {code: dtype for dtype, code in CODES.items()}
WRITE_RANK = {"BOOL": 0, "F32": 1, "F64": 2, "I64": 3}
ALIAS_PREFIX = "focus.alias."


def serialize(tensors, metadata):
    """tensors: {name: torch.Tensor}; metadata: {str: str}, "format" defaults to "pt"."""
    meta = {"format": "pt", **metadata}
    order = sorted(tensors, key=lambda n: (-WRITE_RANK[CODES[tensors[n].dtype]], n.encode("utf-8")))
    header = {"__metadata__": {k: meta[k] for k in sorted(meta, key=lambda k: k.encode("utf-8"))}}
    chunks, offset = [], 0
    for name in order:
        data = tensors[name].contiguous().numpy().tobytes()  # little-endian on x86 and arm64
        header[name] = {"dtype": CODES[tensors[name].dtype], "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def deserialize(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype, shape = DTYPES[info["dtype"]], info["shape"]
        if end == begin:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
    return tensors, metadata


def show(name, t):
    values = t.tolist()
    if t.dtype == torch.float32:  # shortest repr of each float32 value, exact when pasted as a float
        values = [repr(float(v)) for v in t.flatten().tolist()]
    print(f"{name}: {CODES[t.dtype]} {list(t.shape)} {values}")


def reference_tensors():
    torch.manual_seed(0)
    return {
        "embed.weight": torch.randn(3, 2),
        "décodeur.poids": torch.tensor([0.5, -1.25]),
        "layer.scale": torch.randn(2, 2, dtype=torch.float64),
        "token_ids": torch.tensor([-3, 0, 7, 2**40]),
        "step": torch.tensor(1234567890123),
        "mask": torch.tensor([[True, False, True], [False, False, True]]),
        "empty": torch.empty(0, 4),
    }


REFERENCE_METADATA = {"source": "safetensors_ref.py"}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "read"):
        sys.exit(__doc__)
    command, path = sys.argv[1], sys.argv[2]
    if command == "write":
        tensors = reference_tensors()
        with open(path, "wb") as f:
            f.write(serialize(tensors, REFERENCE_METADATA))
        print(f"wrote {path} with torch {torch.__version__}")
        for name in sorted(tensors):
            show(name, tensors[name])
        return
    with open(path, "rb") as f:
        blob = f.read()
    tensors, metadata = deserialize(blob)
    print(f"metadata: {metadata}")
    for name in sorted(tensors):
        show(name, tensors[name])
    for key, target in sorted(metadata.items()):
        if key.startswith(ALIAS_PREFIX):
            alias = key[len(ALIAS_PREFIX):]
            print(f"{alias}: tied to {target}")
    rewritten = serialize(tensors, metadata)
    print(f"rewriting with the reference rules gives identical bytes: {rewritten == blob}")


if __name__ == "__main__":
    main()
