"""The PyTorch layout of focus's GPT (nn/gpt.h, io/torch_interop.h): token embedding, positions,
a stack of torch.nn.TransformerEncoderLayer blocks (batch first, GELU, dim_feedforward 4 d_model,
causal mask), a final LayerNorm and the head. state_dict names: tok_emb, pos (learned positions
only), blocks.<i>.* as PyTorch names the layer's parts, ln_f, head. Sizes and choices come from a
file's "gpt.*" metadata. Sinusoidal positions are a table computed as focus computes it.
Run with /usr/bin/python3 (Debian's python3-torch).
"""
import torch
import torch.nn as nn

from seq2seq_ref import sinusoidal_table


class GPT(nn.Module):
    def __init__(s, vocab_size, block_size, d_model, n_head, n_layer, positions="learned", norm_first=True):
        super().__init__()
        s.tok_emb = nn.Embedding(vocab_size, d_model)
        if positions == "learned":
            s.pos = nn.Parameter(torch.randn(block_size, d_model) * 0.02)
        elif positions == "sinusoidal":  # float64, rounded to the model's dtype when added
            s.register_buffer("pos", sinusoidal_table(block_size, d_model), persistent=False)
        elif positions == "none":
            s.pos = None
        else:
            raise ValueError(f"GPT: positions must be learned, sinusoidal or none; got {positions}")
        s.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model, n_head, 4 * d_model, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=norm_first) for _ in range(n_layer))
        s.ln_f = nn.LayerNorm(d_model)
        s.head = nn.Linear(d_model, vocab_size)

    @staticmethod
    def from_metadata(meta):
        if meta.get("focus.torch_layout") != "nn.GPT":
            raise ValueError(f"GPT: the file's layout is {meta.get('focus.torch_layout')}")
        n = lambda key: int(meta["gpt." + key])
        model = GPT(n("vocab_size"), n("block_size"), n("d_model"), n("n_head"), n("n_layer"),
                    meta["gpt.positions"], meta["gpt.norm_first"] == "1")
        return model.double() if meta["gpt.dtype"] == "float64" else model

    def forward(s, ids):
        T, dtype = ids.shape[1], s.head.weight.dtype
        x = s.tok_emb(ids) + (0 if s.pos is None else s.pos[:T].to(dtype))
        mask = torch.triu(torch.full((T, T), float("-inf"), dtype=dtype), diagonal=1)
        for block in s.blocks:
            x = block(x, src_mask=mask)
        return s.head(s.ln_f(x))
