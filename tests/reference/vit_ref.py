"""The PyTorch layout of focus's Vision Transformer (nn/vision_transformer.h, io/torch_interop.h):
patches projected to d_model, a class token in front, positions, torch.nn.TransformerEncoder
(batch first, with its final LayerNorm) and a head on the class token. state_dict names:
patch_embed.proj (a Linear on each patch flattened channel, row, column) or patch_embed.conv
(overlapping patches: a Conv2d with kernel p + 2 o, stride p, padding o), cls_token, pos
(learned positions only), encoder.*, head. Sizes and choices come from a file's "vit.*" metadata;
"sinusoidal2d" positions are a table computed as focus computes it (nn/grid_positions.cpp).
Run with /usr/bin/python3 (Debian's python3-torch).
"""
import math

import torch
import torch.nn as nn


def grid_sinusoidal_table(max_len, d_model):
    """Row 0 (the class token) zeros; row 1 + r g + c: the 1-D table at width D/2 for r, then for c."""
    grid, half = math.isqrt(max_len - 1), d_model // 2
    table = torch.zeros(max_len, d_model, dtype=torch.float64)
    for pos in range(1, max_len):
        for axis, coord in enumerate(((pos - 1) // grid, (pos - 1) % grid)):
            for i in range(half):
                angle = coord / math.pow(10000.0, (i - i % 2) / half)
                table[pos, axis * half + i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
    return table


class PatchEmbed(nn.Module):
    def __init__(s, image_size, patch_size, overlap, in_channels, d_model):
        super().__init__()
        s.p, s.g, s.C = patch_size, image_size // patch_size, in_channels
        if overlap == 0:
            s.proj = nn.Linear(in_channels * patch_size * patch_size, d_model)
        else:
            s.conv = nn.Conv2d(in_channels, d_model, patch_size + 2 * overlap, patch_size, overlap)

    def forward(s, images):
        B, p, g, C = images.shape[0], s.p, s.g, s.C
        if hasattr(s, "conv"):
            return s.conv(images).reshape(B, -1, g * g).transpose(1, 2)
        return s.proj(images.reshape(B, C, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(B, g * g, C * p * p))


class ViT(nn.Module):
    def __init__(s, image_size, patch_size, patch_overlap, in_channels, num_classes, num_layers, d_model, nhead,
                 dim_feedforward, activation="gelu", layer_norm_eps=1e-5, norm_first=True, positions="learned"):
        super().__init__()
        s.patch_embed = PatchEmbed(image_size, patch_size, patch_overlap, in_channels, d_model)
        tokens = (image_size // patch_size) ** 2 + 1
        s.cls_token = nn.Parameter(torch.randn(1, 1, d_model) * 0.02)
        if positions == "learned":
            s.pos = nn.Parameter(torch.randn(tokens, d_model) * 0.02)
        elif positions == "sinusoidal2d":  # float64, rounded to the model's dtype when added
            s.register_buffer("pos", grid_sinusoidal_table(tokens, d_model), persistent=False)
        elif positions == "none":
            s.pos = None
        else:
            raise ValueError(f"ViT: positions must be learned, sinusoidal2d or none; got {positions}")
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, activation=activation,
                                           layer_norm_eps=layer_norm_eps, batch_first=True, norm_first=norm_first)
        s.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model, eps=layer_norm_eps))
        s.head = nn.Linear(d_model, num_classes)

    @staticmethod
    def from_metadata(meta):
        if meta.get("focus.torch_layout") != "nn.VisionTransformer":
            raise ValueError(f"ViT: the file's layout is {meta.get('focus.torch_layout')}")
        n = lambda key: int(meta["vit." + key])
        b = lambda key: meta["vit.block." + key]
        model = ViT(n("image_size"), n("patch_size"), n("patch_overlap"), n("in_channels"), n("num_classes"),
                    n("num_layers"), int(b("d_model")), int(b("nhead")), int(b("dim_feedforward")), b("activation"),
                    float(b("layer_norm_eps")), b("norm_first") == "1", b("positions"))
        return model.double() if meta["vit.dtype"] == "float64" else model

    def forward(s, images):
        tokens = s.patch_embed(images)
        x = torch.cat([s.cls_token.expand(tokens.shape[0], 1, -1), tokens], 1)
        if s.pos is not None:
            x = x + s.pos.to(x.dtype)
        return s.head(s.encoder(x)[:, 0])
