"""Reference outputs for tests/test_nn_layers.cpp, from PyTorch (Debian python3-torch, float64).
Run: /usr/bin/python3 tests/reference/nn_layers_ref.py
Every parameter is filled by name, in focus's named_parameters() order, with
    value[i] = 0.2 * sin(0.37 * i + 1.3 * k)     (i: flat index, k: the parameter's position)
and every input x with x[i] = sin(0.11 * i + 0.5). focus's q_proj/k_proj/v_proj are the three
row blocks of torch's packed in_proj_weight / in_proj_bias. Prints, per case, the output's sum,
sum of squares and first six values, which the test pastes.
"""
import math
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


def pattern(shape, k):
    n = math.prod(shape)
    return torch.tensor([0.2 * math.sin(0.37 * i + 1.3 * k) for i in range(n)]).reshape(shape)


def inputs(shape):
    n = math.prod(shape)
    return torch.tensor([math.sin(0.11 * i + 0.5) for i in range(n)]).reshape(shape)


def fill(named):  # named: list of (focus name, torch tensor or (tensor, row slice))
    with torch.no_grad():
        for k, (name, target) in enumerate(named):
            if isinstance(target, tuple):
                t, rows = target
                t[rows].copy_(pattern(t[rows].shape, k))
            else:
                target.copy_(pattern(target.shape, k))


def mha_names(prefix, m, d):
    return [(prefix + "q_proj.weight", (m.in_proj_weight, slice(0, d))),
            (prefix + "q_proj.bias", (m.in_proj_bias, slice(0, d))),
            (prefix + "k_proj.weight", (m.in_proj_weight, slice(d, 2 * d))),
            (prefix + "k_proj.bias", (m.in_proj_bias, slice(d, 2 * d))),
            (prefix + "v_proj.weight", (m.in_proj_weight, slice(2 * d, 3 * d))),
            (prefix + "v_proj.bias", (m.in_proj_bias, slice(2 * d, 3 * d))),
            (prefix + "out_proj.weight", m.out_proj.weight),
            (prefix + "out_proj.bias", m.out_proj.bias)]


def report(name, y):
    y = y.detach().reshape(-1)
    first = " ".join(f"{v:.15g}" for v in y[:6].tolist())
    print(f"{name}: sum={y.sum().item():.15g} sumsq={(y * y).sum().item():.15g} first={first}")


D, H, FF = 8, 2, 16

# Linear(5, 3) on x [2, 4, 5]
lin = nn.Linear(5, 3)
fill([("weight", lin.weight), ("bias", lin.bias)])
report("linear", lin(inputs((2, 4, 5))))

# Embedding(6, 4, padding_idx=0) on ids [[1, 0, 5], [2, 2, 3]]
emb = nn.Embedding(6, 4, padding_idx=0)
fill([("weight", emb.weight)])
report("embedding", emb(torch.tensor([[1, 0, 5], [2, 2, 3]])))

# LayerNorm(6) on x [3, 6]
ln = nn.LayerNorm(6)
fill([("weight", ln.weight), ("bias", ln.bias)])
report("layer_norm", ln(inputs((3, 6))))


# The seed's layer: Wq, Wk, Wv, fc Dense; in 6, units 4; x [2, 5, 6]
class SeedAttention(nn.Module):
    def __init__(s, d_in, units):
        super().__init__()
        s.units = units
        s.Wq, s.Wk, s.Wv, s.fc = nn.Linear(d_in, units), nn.Linear(d_in, units), nn.Linear(d_in, units), nn.Linear(units, units)

    def forward(s, x):
        q, k, v = s.Wq(x), s.Wk(x), s.Wv(x)
        w = torch.softmax(q @ k.transpose(-1, -2) / s.units ** 0.5, -1)
        return s.fc(w @ v)


sa = SeedAttention(6, 4)
fill([(n, p) for n, p in sa.named_parameters()])
report("self_attention", sa(inputs((2, 5, 6))))

# MultiHeadAttention(8, 2): cross-attention query [2, 3, 8], key/value [2, 4, 8], key lengths [4, 2]
mha = nn.MultiheadAttention(D, H, batch_first=True)
fill(mha_names("", mha, D))
q, kv = inputs((2, 3, D)), inputs((2, 4, D)) * 0.5
pad = torch.tensor([[False] * 4, [False, False, True, True]])
out, w = mha(q, kv, kv, key_padding_mask=pad, average_attn_weights=False)
report("mha_cross", out)
report("mha_cross_weights", w)
# causal self-attention on x [2, 4, 8]
x = inputs((2, 4, D))
causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), 1)
report("mha_causal", mha(x, x, x, attn_mask=causal)[0])


def enc_names(prefix, layer):
    return mha_names(prefix + "self_attn.", layer.self_attn, D) + [
        (prefix + n, p) for n, p in layer.named_parameters() if not n.startswith("self_attn.")]


def dec_names(prefix, layer):
    return (mha_names(prefix + "self_attn.", layer.self_attn, D) +
            mha_names(prefix + "multihead_attn.", layer.multihead_attn, D) +
            [(prefix + n, p) for n, p in layer.named_parameters()
             if not n.startswith("self_attn.") and not n.startswith("multihead_attn.")])


for norm_first, act in [(False, "relu"), (True, "gelu")]:
    tag = "pre_gelu" if norm_first else "post_relu"
    enc = nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first)
    names = enc_names("", enc)
    fill(names)
    if tag == "post_relu":
        print("encoder_layer_names: " + " ".join(n for n, _ in names))
    report("encoder_layer_" + tag, enc(inputs((2, 5, D)), src_key_padding_mask=torch.tensor([[False] * 5, [False] * 3 + [True] * 2])))
    dec = nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first)
    names = dec_names("", dec)
    fill(names)
    if tag == "post_relu":
        print("decoder_layer_names: " + " ".join(n for n, _ in names))
    tgt, mem = inputs((2, 4, D)), inputs((2, 5, D)) * 0.7
    report("decoder_layer_" + tag, dec(tgt, mem, tgt_mask=causal,
                                       memory_key_padding_mask=torch.tensor([[False] * 5, [False] * 3 + [True] * 2])))

# Full Transformer, 2 + 2 layers, post-norm, relu; src [2, 5, 8], tgt [2, 4, 8]
tf = nn.Transformer(D, H, 2, 2, FF, dropout=0.0, batch_first=True)
names = []
for i, layer in enumerate(tf.encoder.layers):
    names += enc_names(f"encoder.layers.{i}.", layer)
names += [("encoder.norm.weight", tf.encoder.norm.weight), ("encoder.norm.bias", tf.encoder.norm.bias)]
for i, layer in enumerate(tf.decoder.layers):
    names += dec_names(f"decoder.layers.{i}.", layer)
names += [("decoder.norm.weight", tf.decoder.norm.weight), ("decoder.norm.bias", tf.decoder.norm.bias)]
fill(names)
print(f"transformer_params: {sum(p.numel() for p in tf.parameters())}")
report("transformer", tf(inputs((2, 5, D)), inputs((2, 4, D)) * 0.3, tgt_mask=causal))

# Cross-entropy with the loss module defaults on logits [3, 4], targets [1, 0, 3]
logits = inputs((3, 4)) * 2
print(f"cross_entropy_ls: {nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=0)(logits, torch.tensor([1, 0, 3])).item():.15g}")
