"""The PyTorch side of translate's model (examples/translate/torch_layout.h): the W2 reference
model's Seq2Seq (README, "Performance": ../shared/bench/torch_ref.py) with its sizes and choices
read from a file's metadata instead of fixed. Its state_dict names are that model's: src_emb,
tgt_emb, pos (learned positions only), tf.* (torch.nn.Transformer, batch_first), out.
What focus's translate does that the original does not is spelled out here or folded into the
weights by export: embeddings scaled by sqrt(d_model) are stored scaled; sinusoidal positions
are a table computed as focus computes it (nn/positional.cpp), not a tensor in the file; pre-norm
is torch.nn.Transformer's norm_first. Run with /usr/bin/python3 (Debian's python3-torch).
"""
import math

import torch
import torch.nn as nn


def sinusoidal_table(max_len, d_model):
    """PE[pos, i] = sin(pos / 10000^((i - i % 2) / D)) for even i, cos(...) for odd i, in float64."""
    table = torch.zeros(max_len, d_model, dtype=torch.float64)
    for pos in range(max_len):
        for i in range(d_model):
            angle = pos / math.pow(10000.0, (i - i % 2) / d_model)
            table[pos, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
    return table


class Seq2Seq(nn.Module):
    def __init__(s, src_vocab, tgt_vocab, d_model, nhead, layers, ff, max_len, positions="learned",
                 norm_first=False, activation="relu", layer_norm_eps=1e-5):
        super().__init__()
        s.src_emb, s.tgt_emb = nn.Embedding(src_vocab, d_model), nn.Embedding(tgt_vocab, d_model)
        if positions == "learned":
            s.pos = nn.Parameter(torch.randn(max_len, d_model) * 0.02)
        elif positions == "sinusoidal":
            # float64, rounded to the model's dtype when added, as focus rounds its table once
            s.register_buffer("pos", sinusoidal_table(max_len, d_model), persistent=False)
        elif positions == "none":
            s.pos = None
        else:
            raise ValueError(f"Seq2Seq: positions must be learned, sinusoidal or none; got {positions}")
        s.tf = nn.Transformer(d_model, nhead, layers, layers, ff, dropout=0.0, activation=activation,
                              layer_norm_eps=layer_norm_eps, batch_first=True, norm_first=norm_first)
        s.out = nn.Linear(d_model, tgt_vocab)

    @staticmethod
    def from_metadata(meta):
        """The model a file's "model.*" entries (translate's checkpoint keys) describe."""
        if meta.get("focus.torch_layout", "translate.Seq2Seq") != "translate.Seq2Seq":
            raise ValueError(f"Seq2Seq: the file's layout is {meta['focus.torch_layout']}")
        n = lambda key: int(meta["model." + key])
        model = Seq2Seq(n("src_vocab"), n("tgt_vocab"), n("d_model"), n("heads"), n("layers"), n("ff"),
                        n("max_len") + 2,  # translate's sequences gain <s> and </s>
                        meta.get("model.positions", "sinusoidal"), meta.get("model.norm_first", "1") == "1")
        return model.double() if meta.get("model.dtype", "float32") == "float64" else model

    def positions(s, n):
        return 0 if s.pos is None else s.pos[:n].to(s.out.weight.dtype)

    def forward(s, src, tgt):
        mask = s.tf.generate_square_subsequent_mask(tgt.shape[1]).to(s.out.weight.dtype)
        h = s.tf(s.src_emb(src) + s.positions(src.shape[1]), s.tgt_emb(tgt) + s.positions(tgt.shape[1]), tgt_mask=mask)
        return s.out(h)
