"""The PyTorch side of focus_bench's workloads that ../shared/bench/torch_ref.py does not cover,
and single-workload runs for the per-process memory comparison (bench/memory.sh).
Run with Debian's torch (1.13) and both thread pools pinned:
  OPENBLAS_NUM_THREADS=N OMP_NUM_THREADS=N /usr/bin/python3 torch_extra.py N [--only NAME] [--T 128,256] [--iters 20]
Prints one line per workload (per T for attention_scaling) of key=value pairs, as focus_bench does:
name, threads, torch_ms (median per step after 3 warm-up steps), and per workload tokens_per_s or T.
  seed_attention, transformer_step  the same models and steps as torch_ref.py (for memory runs)
  decode             W3: greedy decoding of 512 sequences to 32 tokens with the W2 model, recomputing
                     the whole prefix for each new token, as nn.Transformer users do (no cache)
  attention_scaling  W4: softmax(Q K^T / sqrt(d) + causal mask) V composed (torch 1.13 has no fused
                     SDPA), forward and backward, 4 heads of 64, batch 1, T = 128 .. 4096
  image_cnn_step     W7: fashion_cnn's network, one AdamW step on 128 random 28x28 images
  image_vit_step     W8: fashion_vit's Vision Transformer, the same step
"""
import argparse, resource, statistics, time
import torch, torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("threads", type=int, nargs="?", default=1)
p.add_argument("--only", default="")
p.add_argument("--T", default="128,256,512,1024,2048,4096")
p.add_argument("--iters", type=int, default=20)
p.add_argument("--batch", type=int, default=64)
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


def decode():
    rows, tokens, bos = 512, 32, 1
    model = Seq2Seq().eval()
    src = torch.randint(3, V, (rows, S))
    @torch.no_grad()
    def w3():
        memory = model.tf.encoder(model.src_emb(src) + model.pos[:S])
        ys = torch.full((rows, 1), bos, dtype=torch.long)
        for _ in range(tokens):
            T = ys.shape[1]
            mask = model.tf.generate_square_subsequent_mask(T)
            h = model.tf.decoder(model.tgt_emb(ys) + model.pos[:T], memory, tgt_mask=mask)
            nxt = model.out(h[:, -1]).log_softmax(-1).argmax(-1, keepdim=True)
            ys = torch.cat([ys, nxt], 1)
        assert ys.shape == (rows, tokens + 1)
    ms = bench(w3, 1, args.iters)  # one warm-up: a step takes seconds (the prefix is recomputed)
    print(f"name=decode threads={threads} rows={rows} tokens={tokens} torch_ms={ms:.3f} "
          f"tokens_per_s={rows * tokens / (ms / 1e3):.0f} peak_rss_mb={peak_rss_mb():.1f}", flush=True)


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
             "attention_scaling": attention_scaling, "image_cnn_step": image_cnn_step, "image_vit_step": image_vit_step}
if args.only and args.only not in workloads:
    raise SystemExit(f"torch_extra.py: unknown workload '{args.only}'")
for name, fn in workloads.items():
    if (args.only == name) or (not args.only and name in ("decode", "attention_scaling")):
        fn()
