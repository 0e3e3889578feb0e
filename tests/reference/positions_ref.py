"""Reference outputs for tests/test_positions.cpp, from PyTorch (Debian python3-torch, float64).
Run: /usr/bin/python3 tests/reference/positions_ref.py
torch 1.13 has no nn.RMSNorm, RoPE, ALiBi or T5 buckets, so each formula is written out below from
its paper (RMSNorm as torch 2.x documents it). Inputs: x[i] = sin(0.11 * i + 0.5) (i: flat index);
weights and tables: 0.2 * sin(0.37 * i + 1.3 * k), as tests/reference/nn_layers_ref.py. Prints,
per case, the output's sum, sum of squares and first six values, which the test pastes.
"""
import math
import torch

torch.set_default_dtype(torch.float64)


def pattern(shape, k):
    n = math.prod(shape)
    return torch.tensor([0.2 * math.sin(0.37 * i + 1.3 * k) for i in range(n)]).reshape(shape)


def inputs(shape, scale=1.0):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(0.11 * i + 0.5) for i in range(n)]).reshape(shape)


def report(name, y):
    y = y.detach().reshape(-1)
    first = " ".join(f"{v:.15g}" for v in y[:6].tolist())
    print(f"{name}: sum={y.sum().item():.15g} sumsq={(y * y).sum().item():.15g} first={first}")


# RMSNorm, torch 2.x's formula: x * rsqrt(mean(x^2 over the normalized dims) + eps) * weight
def rms_norm(x, ndims, weight, eps):
    dims = tuple(range(x.dim() - ndims, x.dim()))
    y = x * torch.rsqrt((x * x).mean(dim=dims, keepdim=True) + eps)
    return y if weight is None else y * weight


report("rms_norm_last", rms_norm(inputs((2, 3, 5)), 1, 1 + pattern((5,), 0), 1e-6))
report("rms_norm_two_dims", rms_norm(inputs((2, 3, 4)), 2, pattern((3, 4), 1), 1e-5))


# RoPE in the rotate_half layout (GPT-NeoX, LLaMA): dim i pairs with dim i + Dh/2
def rope(x, offset, base=10000.0):
    t, dh = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, dh, 2, dtype=torch.float64) / dh))
    angles = torch.outer(torch.arange(offset, offset + t, dtype=torch.float64), inv_freq)
    cos, sin = torch.cat([angles.cos()] * 2, -1), torch.cat([angles.sin()] * 2, -1)
    x1, x2 = x[..., : dh // 2], x[..., dh // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


report("rope", rope(inputs((2, 3, 4, 6)), 0))
report("rope_offset", rope(inputs((1, 2, 3, 8)), 5, base=500.0))


# ALiBi slopes, the paper's rule: geometric from 2^(-8/n) for a power of two n; otherwise the
# largest power of two m below n, then every other slope of 2m heads
def alibi_slopes(n):
    def power_of_two(m):
        start = 2.0 ** (-8.0 / m)
        return [start ** (i + 1) for i in range(m)]
    m = 2 ** math.floor(math.log2(n))
    return power_of_two(m) + (power_of_two(2 * m)[0::2][: n - m] if m < n else [])


for h in (1, 6, 8, 12):
    print(f"alibi_slopes_{h}: " + " ".join(f"{s:.17g}" for s in alibi_slopes(h)))


def alibi_bias(slopes, tq, tk, q_offset, k_offset):
    qpos = torch.arange(q_offset, q_offset + tq).reshape(tq, 1)
    kpos = torch.arange(k_offset, k_offset + tk).reshape(1, tk)
    return -torch.tensor(slopes).reshape(-1, 1, 1) * (qpos - kpos).abs().to(torch.float64)


report("alibi_bias", alibi_bias(alibi_slopes(6), 3, 7, 4, 1))


# T5's buckets (Mesh TensorFlow's _relative_position_bucket), in float32 as T5 and in float64 as focus
def t5_bucket(rel, bidirectional, num_buckets, max_distance, dtype):
    n = -rel
    ret = torch.zeros_like(n)
    if bidirectional:
        num_buckets //= 2
        ret += (n < 0).long() * num_buckets
        n = n.abs()
    else:
        n = n.clamp(min=0)
    max_exact = num_buckets // 2
    large = max_exact + (torch.log(n.to(dtype) / max_exact) / math.log(max_distance / max_exact)
                         * (num_buckets - max_exact)).to(torch.long)
    large = large.clamp(max=num_buckets - 1)
    return ret + torch.where(n < max_exact, n, large)


rel = torch.arange(-300, 301)
for bidirectional, nb, md in ((True, 32, 128), (False, 32, 128), (True, 8, 20), (False, 10, 50)):
    b64 = t5_bucket(rel, bidirectional, nb, md, torch.float64)
    b32 = t5_bucket(rel, bidirectional, nb, md, torch.float32)
    # a weighted checksum over relative positions -300..300 and the positions where float32 differs
    checksum = int(((rel + 301) * b64).sum())
    differ = rel[b64 != b32].tolist()
    print(f"t5_buckets bidirectional={bidirectional} num_buckets={nb} max_distance={md}: "
          f"checksum={checksum} float32_differs_at={differ}")
    sample = [-300, -128, -100, -64, -20, -16, -9, -8, -7, -1, 0, 1, 7, 8, 16, 20, 100, 300]
    print("  at " + " ".join(f"{r}:{int(b64[r + 300])}" for r in sample))


def t5_bias(table, tq, tk, q_offset, k_offset, bidirectional, nb, md):
    qpos = torch.arange(q_offset, q_offset + tq).reshape(tq, 1)
    kpos = torch.arange(k_offset, k_offset + tk).reshape(1, tk)
    buckets = t5_bucket(kpos - qpos, bidirectional, nb, md, torch.float64)
    return torch.nn.functional.embedding(buckets, table).permute(2, 0, 1)


report("t5_bias", t5_bias(pattern((8, 3), 0), 4, 6, 2, 0, True, 8, 20))


# scaled dot-product attention with an additive bias [H, Tq, Tk] before the causal mask
def attention_with_bias(q, k, v, bias, causal):
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias
    if causal:
        tq, tk = scores.shape[-2], scores.shape[-1]
        keep = torch.ones(tq, tk, dtype=torch.bool).tril(tk - tq)
        scores = scores.masked_fill(~keep, float("-inf"))
    return torch.softmax(scores, -1) @ v


q, k, v = inputs((2, 3, 4, 5)), inputs((2, 3, 6, 5), 0.7), pattern((2, 3, 6, 5), 2)
report("attention_bias", attention_with_bias(q, k, v, pattern((3, 4, 6), 3) * 5, False))
report("attention_bias_causal", attention_with_bias(q, k, v, alibi_bias(alibi_slopes(3), 4, 6, 2, 0), True))
