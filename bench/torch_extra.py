"""The PyTorch side of focus_bench's workloads that ../shared/bench/torch_ref.py does not cover,
and single-workload runs for the per-process memory comparison (bench/memory.sh).
Run with Debian's torch (1.13) and both thread pools pinned:
  OPENBLAS_NUM_THREADS=N OMP_NUM_THREADS=N /usr/bin/python3 torch_extra.py N [--only NAME] [--T 128,256] [--iters 20] [--check-rows 64]
Prints one line per workload (per T for attention_scaling) of key=value pairs, as focus_bench does:
name, threads, torch_ms (median per step after 3 warm-up steps), and per workload tokens_per_s or T.
  seed_attention, transformer_step  the same models and steps as torch_ref.py (for memory runs)
  decode             W3: greedy decoding of 512 sequences to 32 tokens with the W2 model and a
                     key/value cache written here (greedy_cached), as focus's decode does; first
                     checks its tokens against uncached decoding on the same weights (--check-rows)
  decode_uncached    W3 the way nn.Transformer users write it: the whole prefix recomputed for
                     each new token (no cache; the PyTorch side before issue 19)
  attention_scaling  W4: softmax(Q K^T / sqrt(d) + causal mask) V composed (torch 1.13 has no fused
                     SDPA), forward and backward, 4 heads of 64, batch 1, T = 128 .. 4096
  image_cnn_step     W7: fashion_cnn's network, one AdamW step on 128 random 28x28 images
  image_vit_step     W8: fashion_vit's Vision Transformer, the same step
"""
import argparse, copy, resource, statistics, time
import torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("threads", type=int, nargs="?", default=1)
p.add_argument("--only", default="")
p.add_argument("--T", default="128,256,512,1024,2048,4096")
p.add_argument("--iters", type=int, default=20)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--check-rows", type=int, default=64)  # decode: rows checked against uncached decoding; 0 skips
args = p.parse_args()
threads = args.threads
torch.set_num_threads(threads); torch.manual_seed(0)


def bench(fn, warm=3, iters=20):
    for _ in range(warm): fn()
    ts = []
    for _ in range(iters):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# The models exactly as torch_ref.py defines them.
class SeedAttention(nn.Module):
    def __init__(s, d_in, units):
        super().__init__(); s.units = units
        s.Wq, s.Wk, s.Wv, s.fc = nn.Linear(d_in, units), nn.Linear(d_in, units), nn.Linear(d_in, units), nn.Linear(units, units)
    def forward(s, x):
        q, k, v = s.Wq(x), s.Wk(x), s.Wv(x)
        w = torch.softmax(q @ k.transpose(-1, -2) / s.units ** 0.5, -1)
        return s.fc(w @ v)


V, S = 40, 16
class Seq2Seq(nn.Module):
    def __init__(s):
        super().__init__()
        s.src_emb, s.tgt_emb = nn.Embedding(V, 128), nn.Embedding(V, 128)
        s.pos = nn.Parameter(torch.randn(64, 128) * 0.02)
        s.tf = nn.Transformer(128, 4, 2, 2, 512, dropout=0.0, batch_first=True)
        s.out = nn.Linear(128, V)
    def forward(s, src, tgt):
        mask = s.tf.generate_square_subsequent_mask(tgt.shape[1])
        h = s.tf(s.src_emb(src) + s.pos[:src.shape[1]], s.tgt_emb(tgt) + s.pos[:tgt.shape[1]], tgt_mask=mask)
        return s.out(h)


def seed_attention():
    m = SeedAttention(128, 64); x = torch.randn(10, 50, 128)
    def w1():
        m.zero_grad(); m(x).sum().backward()
    ms = bench(w1, 3, args.iters)
    print(f"name=seed_attention threads={threads} torch_ms={ms:.3f} peak_rss_mb={peak_rss_mb():.1f}", flush=True)


def transformer_step():
    B = args.batch
    model = Seq2Seq(); opt = torch.optim.Adam(model.parameters(), 1e-3)
    src = torch.randint(3, V, (B, S)); tgt = torch.randint(3, V, (B, S + 1))
    lossf = nn.CrossEntropyLoss()
    def w2():
        opt.zero_grad()
        logits = model(src, tgt[:, :-1])
        loss = lossf(logits.reshape(-1, V), tgt[:, 1:].reshape(-1)); loss.backward(); opt.step()
    ms = bench(w2, 3, args.iters)
    print(f"name=transformer_step threads={threads} batch={B} torch_ms={ms:.3f} peak_rss_mb={peak_rss_mb():.1f}", flush=True)


def split_heads(x, H):  # [N, T, D] -> [N, H, T, Dh]
    N, T, D = x.shape
    return x.view(N, T, H, D // H).transpose(1, 2)


def attend_one(q, k, v):
    """Attention for one new query per row: q [N, H, 1, Dh], k and v [N, H, T, Dh] -> [N, 1, D].
    Written as broadcast products and sums: torch 1.13 runs q @ k^T here as 2,048 separate tiny
    products (bmm selects each matrix); with q @ k^T and w @ v this decoder took 2.0 to 2.3 s a
    step against 0.95 to 1.07 s this way (W3, 1 thread, busy machine, session 10)."""
    w = torch.softmax((q * k).sum(-1, keepdim=True) / q.shape[-1] ** 0.5, -2)  # [N, H, T, 1]
    o = (w * v).sum(-2, keepdim=True)
    return o.transpose(1, 2).reshape(q.shape[0], 1, -1)


def greedy_cached(model, memory, tokens, bos=1):
    """Greedy decoding with a key/value cache, written against nn.Transformer's own weights: each
    step embeds only the newest token; self-attention writes its key and value into the layer's
    cache, allocated once for every position (as Meta's Llama reference does; torch.cat on the
    heads' strided views cost more), and cross-attention projects memory's keys and values once.
    The post-norm layer of nn.TransformerDecoderLayer.forward, one position at a time.
    memory [N, S, D] -> tokens [N, tokens]."""
    layers, N = model.tf.decoder.layers, memory.shape[0]
    H, D = layers[0].self_attn.num_heads, layers[0].self_attn.embed_dim
    cross, cache = [], []
    for layer in layers:
        c = layer.multihead_attn
        _, wk, wv = c.in_proj_weight.split(D)
        _, bk, bv = c.in_proj_bias.split(D)
        cross.append((split_heads(F.linear(memory, wk, bk), H), split_heads(F.linear(memory, wv, bv), H)))
        cache.append(torch.empty(2, N, H, tokens, D // H, dtype=memory.dtype))  # keys, values
    y = torch.full((N, 1), bos, dtype=torch.long)
    out = []
    for t in range(tokens):
        x = model.tgt_emb(y) + model.pos[t]  # [N, 1, D]
        for layer, (mk, mv), kv in zip(layers, cross, cache):
            a, c = layer.self_attn, layer.multihead_attn
            q, k, v = (split_heads(z, H) for z in F.linear(x, a.in_proj_weight, a.in_proj_bias).split(D, -1))
            kv[0, :, :, t:t + 1], kv[1, :, :, t:t + 1] = k, v
            x = layer.norm1(x + a.out_proj(attend_one(q, kv[0, :, :, :t + 1], kv[1, :, :, :t + 1])))
            q = split_heads(F.linear(x, c.in_proj_weight[:D], c.in_proj_bias[:D]), H)
            x = layer.norm2(x + c.out_proj(attend_one(q, mk, mv)))
            x = layer.norm3(x + layer.linear2(layer.activation(layer.linear1(x))))
        y = model.out(model.tf.decoder.norm(x)[:, -1]).log_softmax(-1).argmax(-1, keepdim=True)
        out.append(y)
    return torch.cat(out, 1)


def greedy_uncached(model, memory, tokens, bos=1):
    """Greedy decoding as nn.Transformer users write it: the whole prefix through the decoder for
    each new token. memory [N, S, D] -> tokens [N, tokens]."""
    ys = torch.full((memory.shape[0], 1), bos, dtype=torch.long)
    for _ in range(tokens):
        T = ys.shape[1]
        mask = model.tf.generate_square_subsequent_mask(T).to(memory.dtype)
        h = model.tf.decoder(model.tgt_emb(ys) + model.pos[:T], memory, tgt_mask=mask)
        ys = torch.cat([ys, model.out(h[:, -1]).log_softmax(-1).argmax(-1, keepdim=True)], 1)
    return ys[:, 1:]


DECODE_ROWS, DECODE_TOKENS = 512, 32


@torch.no_grad()
def decode_check(model, src):
    """The cached decoder must pick the tokens the uncached one picks on the same weights. Exact in
    float64 (rounding cannot flip a near-tie there); in float32 the count of equal rows is printed
    (the two sum in different orders, so a near-tie between two logits may flip and the row then
    diverges)."""
    for dtype in (torch.float64, torch.float32):
        m = copy.deepcopy(model).to(dtype)
        memory = m.tf.encoder(m.src_emb(src) + m.pos[:S])
        a, b = greedy_cached(m, memory, DECODE_TOKENS), greedy_uncached(m, memory, DECODE_TOKENS)
        same_rows = int((a == b).all(1).sum())
        print(f"name=decode_check threads={threads} dtype={str(dtype)[6:]} rows={src.shape[0]} tokens={DECODE_TOKENS} "
              f"same_rows={same_rows} same_tokens={int((a == b).sum())}/{a.numel()}", flush=True)
        if dtype == torch.float64:
            assert torch.equal(a, b), "decode: the cached decoder's tokens differ from uncached greedy decoding in float64"


def decode_workload(name, greedy, check):
    model = Seq2Seq().eval()
    src = torch.randint(3, V, (DECODE_ROWS, S))
    if check: decode_check(model, src[:args.check_rows])
    @torch.no_grad()
    def w3():
        memory = model.tf.encoder(model.src_emb(src) + model.pos[:S])
        ys = greedy(model, memory, DECODE_TOKENS)
        assert ys.shape == (DECODE_ROWS, DECODE_TOKENS)
    ms = bench(w3, 1, args.iters)  # one warm-up: an uncached step takes seconds
    print(f"name={name} threads={threads} rows={DECODE_ROWS} tokens={DECODE_TOKENS} torch_ms={ms:.3f} "
          f"tokens_per_s={DECODE_ROWS * DECODE_TOKENS / (ms / 1e3):.0f} peak_rss_mb={peak_rss_mb():.1f}", flush=True)


def decode(): decode_workload("decode", greedy_cached, args.check_rows > 0)
def decode_uncached(): decode_workload("decode_uncached", greedy_uncached, False)


def attention_scaling():
    for T in [int(t) for t in args.T.split(",")]:
        torch.manual_seed(0)
        q, k, v = (torch.randn(1, 4, T, 64, requires_grad=True) for _ in range(3))
        causal = torch.ones(T, T, dtype=torch.bool).triu(1)  # True where a query may NOT attend
        def w4():
            for t in (q, k, v): t.grad = None
            w = torch.softmax((q @ k.transpose(-1, -2) / 64 ** 0.5).masked_fill(causal, float("-inf")), -1)
            (w @ v).sum().backward()
        iters = min(args.iters, max(5, args.iters // 4)) if T >= 2048 else args.iters
        ms = bench(w4, 1 if T >= 2048 else 3, iters)
        print(f"name=attention_scaling threads={threads} T={T} torch_ms={ms:.3f} peak_rss_mb={peak_rss_mb():.1f}", flush=True)


def fashion_cnn(width=32):
    layers, c = [], 1
    for block in range(2):
        out = width << block
        for _ in range(block + 1):  # one convolution in the first block, two in the second
            layers += [nn.Conv2d(c, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
            c = out
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))


class ViT(nn.Module):
    """focus's nn::VisionTransformer: patches by reshape + Linear, class token, learned positions,
    pre-norm GELU encoder layers with a final norm, a head on the class token."""
    def __init__(s, patch=4, d=64, heads=4, layers=4, ff=128):
        super().__init__(); s.p = patch; n = (28 // patch) ** 2
        s.proj = nn.Linear(patch * patch, d)
        s.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        s.pos = nn.Parameter(torch.randn(n + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        s.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d))
        s.head = nn.Linear(d, 10)
    def forward(s, x):
        B, p, g = x.shape[0], s.p, 28 // s.p
        x = x.reshape(B, 1, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(B, g * g, p * p)
        x = torch.cat([s.cls_token.expand(B, -1, -1), s.proj(x)], 1) + s.pos
        return s.head(s.encoder(x)[:, 0])


def image_step(name, model):
    opt = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay=0.05)
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    lossf = nn.CrossEntropyLoss()
    def step():
        opt.zero_grad(); lossf(model(x), y).backward(); opt.step()
    ms = bench(step, 3, max(3, args.iters // 2))
    print(f"name={name} threads={threads} batch=128 torch_ms={ms:.3f} images_per_s={128 / (ms / 1e3):.0f} "
          f"peak_rss_mb={peak_rss_mb():.1f}", flush=True)


def image_cnn_step(): image_step("image_cnn_step", fashion_cnn())
def image_vit_step(): image_step("image_vit_step", ViT())


workloads = {"seed_attention": seed_attention, "transformer_step": transformer_step, "decode": decode,
             "decode_uncached": decode_uncached,
             "attention_scaling": attention_scaling, "image_cnn_step": image_cnn_step, "image_vit_step": image_vit_step}
if args.only and args.only not in workloads:
    raise SystemExit(f"torch_extra.py: unknown workload '{args.only}'")
for name, fn in workloads.items():
    if (args.only == name) or (not args.only and name in ("decode", "attention_scaling")):
        fn()
