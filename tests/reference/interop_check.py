#!/usr/bin/python3
"""The same model on both sides: focus's translate model and PyTorch's Seq2Seq
(seq2seq_ref.py), and nn::GPT and gpt_ref.py's GPT, compute the same logits from the same
weights, in both directions.

  focus -> torch: a model trained by `translate train` (and its float64 copy) is exported with
    `translate export --to torch`, loaded with load_state_dict(strict=True), and its logits on
    random token ids are compared with focus's (tests/interop/interop_logits.cpp);
  torch -> focus: random PyTorch weights are written, `translate import --from-torch` makes a
    checkpoint, and focus's logits are compared with PyTorch's; exporting that checkpoint again
    gives back the very tensors;
  GPT: a seeded focus GPT saved by io::save_gpt_torch (tests/interop/interop_logits.cpp) into
    PyTorch, and random PyTorch weights read by io::load_gpt_torch, float32 and float64;
  CNN: fashion_cnn's network (examples/fashion_cnn/network.h) as cnn_ref.py's, both ways, and the
    file `fashion_cnn --export-torch` writes after a few steps (when Fashion-MNIST is installed);
  ViT: nn::VisionTransformer as vit_ref.py's ViT likewise, and `fashion_vit --export-torch`.
Limits: float32 max abs diff <= 1e-4, float64 <= 1e-10. Bad files (a missing, extra, reshaped
or retyped tensor) must fail with one line naming it, exit 1, and write nothing.
Prints one line per comparison. Exits 77 (CTest's skip) when torch cannot be imported.
Run with the system python, where Debian's python3-torch lives:
  /usr/bin/python3 tests/reference/interop_check.py --translate build/examples/translate/translate \\
      --driver build/tests/interop/interop_logits --work /tmp/interop_work
"""
import argparse
import os
import subprocess
import sys

try:
    import torch
except ImportError:
    print("interop_check: skipped: python3 cannot import torch (apt-get install python3-torch)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_ref import deserialize, serialize  # noqa: E402
from seq2seq_ref import Seq2Seq  # noqa: E402
from gpt_ref import GPT  # noqa: E402
from cnn_ref import FashionCNN  # noqa: E402
from vit_ref import ViT  # noqa: E402

LIMITS = {torch.float32: 1e-4, torch.float64: 1e-10}
failures = []


def run(*argv, expect=0):
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit(f"interop_check: {' '.join(map(str, argv))} exited {p.returncode}, expected {expect}:\n{p.stderr}")
    return p


def load(path):
    with open(path, "rb") as f:
        return deserialize(f.read())


def save(path, tensors, metadata):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def torch_logits(model, inputs):
    model.eval()
    with torch.no_grad():
        return model(inputs["src"], inputs["tgt"])


def focus_logits(args, model_path, inputs_path):
    out = os.path.join(args.work, "logits.st")
    run(args.driver, "logits", model_path, inputs_path, out)
    return load(out)[0]["logits"]


def compare(what, a, b):
    limit = LIMITS[a.dtype]
    diff = (a - b).abs().max().item() if a.shape == b.shape and a.dtype == b.dtype else float("inf")
    ok = diff <= limit
    print(f"{what} {str(a.dtype)[6:]}: max abs diff {diff:.3g} (limit {limit:g}) {'ok' if ok else 'FAILED'}")
    if not ok:
        failures.append(what)


def focus_to_torch(args, name, model_path, inputs_path, inputs):
    exported = os.path.join(args.work, name + ".torch.st")
    run(args.translate, "export", "--load", model_path, "--to", "torch", exported)
    tensors, meta = load(exported)
    model = Seq2Seq.from_metadata(meta)
    model.load_state_dict(tensors, strict=True)
    compare(f"seq2seq {name} focus->torch", torch_logits(model, inputs), focus_logits(args, model_path, inputs_path))
    return meta


def torch_to_focus(args, name, meta, inputs_path, inputs, seed):
    torch.manual_seed(seed)
    model = Seq2Seq.from_metadata(meta)
    for p in model.parameters():  # away from PyTorch's initial ones and zeros, so every tensor counts
        torch.nn.init.normal_(p, 0.0, 0.3)
    written = os.path.join(args.work, name + ".from_torch.st")
    state = model.state_dict()
    save(written, state, meta)
    imported = os.path.join(args.work, name + ".imported.st")
    run(args.translate, "import", "--from-torch", written, "--save", imported)
    compare(f"seq2seq {name} torch->focus", focus_logits(args, imported, inputs_path), torch_logits(model, inputs))
    again = os.path.join(args.work, name + ".again.st")
    run(args.translate, "export", "--load", imported, "--to", "torch", again)
    back = load(again)[0]
    worst = max((back[k] - v).abs().max().item() for k, v in state.items())
    limit = LIMITS[next(iter(state.values())).dtype] * 1e-2
    ok = set(back) == set(state) and worst <= limit
    print(f"seq2seq {name} torch->focus->torch tensors: max abs diff {worst:.3g} {'ok' if ok else 'FAILED'}")
    if not ok:
        failures.append(name + " round trip")


def bad_files(args, good, meta):
    """Each damage: exit 1, one line naming the tensor, no checkpoint written."""
    tensors = load(good)[0]
    out = os.path.join(args.work, "bad.imported.st")
    first = "src_emb.weight"
    damaged = {
        "missing": ({k: v for k, v in tensors.items() if k != "out.bias"}, "'out.bias' is missing"),
        "extra": ({**tensors, "tf.extra": torch.zeros(2)}, "'tf.extra' is not in the layout"),
        "shape": ({**tensors, first: tensors[first][:-1]}, f"'{first}' must have shape"),
        "dtype": ({**tensors, first: tensors[first].double()}, f"'{first}' must be float32; got float64"),
    }
    for what, (t, text) in damaged.items():
        path = os.path.join(args.work, f"bad_{what}.st")
        save(path, t, meta)
        p = run(args.translate, "import", "--from-torch", path, "--save", out, expect=1)
        lines = p.stderr.strip().splitlines()
        ok = len(lines) == 1 and text in lines[0] and not os.path.exists(out)
        print(f"bad file ({what}): {lines[0] if lines else '(nothing)'} {'ok' if ok else 'FAILED'}")
        if not ok:
            failures.append("bad " + what)


def gpt_both_ways(args):
    """nn::GPT: a seeded focus GPT into gpt_ref.GPT, and random PyTorch weights into focus."""
    ids = {"ids": torch.randint(0, 23, (3, 11))}
    ids_path = os.path.join(args.work, "gpt_ids.st")
    save(ids_path, ids, {})
    for dtype in ("float32", "float64"):
        for positions, norm_first in (("learned", "1"), ("sinusoidal", "0")):
            name = f"gpt {positions} {'pre' if norm_first == '1' else 'post'}-norm"
            exported = os.path.join(args.work, f"gpt_{positions}_{dtype}.torch.st")
            logits = os.path.join(args.work, "gpt_logits.st")
            run(args.driver, "gpt-export", dtype, positions, norm_first, ids_path, exported, logits)
            tensors, meta = load(exported)
            model = GPT.from_metadata(meta)
            model.load_state_dict(tensors, strict=True)
            model.eval()
            with torch.no_grad():
                compare(f"{name} focus->torch", model(ids["ids"]), load(logits)[0]["logits"])
                for p in model.parameters():
                    torch.nn.init.normal_(p, 0.0, 0.3)
                written = os.path.join(args.work, f"gpt_{positions}_{dtype}.from_torch.st")
                save(written, model.state_dict(), meta)
                run(args.driver, "gpt-logits", written, ids_path, logits)
                compare(f"{name} torch->focus", load(logits)[0]["logits"], model(ids["ids"]))


def cnn_both_ways(args):
    """fashion_cnn's network: seeded focus weights into cnn_ref.FashionCNN, random PyTorch weights
    into focus, and a network fashion_cnn trained a few steps and wrote with --export-torch."""
    images = {"images": torch.randn(4, 1, 28, 28, dtype=torch.float64)}
    images_path = os.path.join(args.work, "cnn_images.st")
    save(images_path, images, {})
    logits = os.path.join(args.work, "cnn_logits.st")
    exported = []
    for dtype in ("float32", "float64"):
        path = os.path.join(args.work, f"cnn_{dtype}.torch.st")
        run(args.driver, "cnn-export", "4", "16", dtype, images_path, path, logits)
        exported.append(("cnn seeded", path, load(logits)[0]["logits"]))
    if args.fashion_cnn and os.path.isdir("/usr/share/datasets/fashion-mnist"):
        path = os.path.join(args.work, "cnn_trained.torch.st")
        run(args.fashion_cnn, "--steps", "3", "--warmup", "1", "--width", "4", "--hidden", "16", "--test-images", "100",
            "--threads", "1", "--export-torch", path)
        exported.append(("cnn trained", path, None))
    for name, path, focus in exported:
        tensors, meta = load(path)
        model = FashionCNN.from_metadata(meta)
        dtype = tensors["features.0.weight"].dtype
        model.to(dtype)
        model.load_state_dict(tensors, strict=True)
        model.eval()
        x = images["images"].to(dtype)
        with torch.no_grad():
            if focus is None:  # the trained network: focus's logits from the file it wrote
                run(args.driver, "cnn-logits", path, images_path, logits)
                focus = load(logits)[0]["logits"]
            compare(f"{name} focus->torch", model(x), focus)
            for key, p in model.state_dict().items():
                if p.is_floating_point():
                    p.copy_(torch.rand_like(p) + 0.5 if key.endswith("running_var") else torch.randn_like(p) * 0.3)
            written = path.replace(".torch.st", ".from_torch.st")
            save(written, model.state_dict(), meta)
            run(args.driver, "cnn-logits", written, images_path, logits)
            compare(f"{name} torch->focus", load(logits)[0]["logits"], model(x))


def vit_both_ways(args):
    """nn::VisionTransformer: seeded focus weights into vit_ref.ViT and random PyTorch weights into
    focus (patches side by side and overlapping, learned and 2-D sinusoidal positions), and a
    model fashion_vit trained a few steps and wrote with --export-torch."""
    images = {"images": torch.randn(3, 1, 28, 28, dtype=torch.float64)}
    images_path = os.path.join(args.work, "vit_images.st")
    save(images_path, images, {})
    logits = os.path.join(args.work, "vit_logits.st")
    exported = []
    for dtype in ("float32", "float64"):
        for positions, overlap in (("learned", "0"), ("sinusoidal2d", "2")):
            path = os.path.join(args.work, f"vit_{positions}_{dtype}.torch.st")
            run(args.driver, "vit-export", dtype, positions, overlap, images_path, path, logits)
            exported.append((f"vit {positions} overlap {overlap}", path, load(logits)[0]["logits"]))
    if args.fashion_vit and os.path.isdir("/usr/share/datasets/fashion-mnist"):
        path = os.path.join(args.work, "vit_trained.torch.st")
        run(args.fashion_vit, "--steps", "3", "--warmup", "1", "--d-model", "16", "--layers", "2", "--ff", "32",
            "--test-images", "100", "--threads", "1", "--export-torch", path)
        exported.append(("vit trained", path, None))
    for name, path, focus in exported:
        tensors, meta = load(path)
        model = ViT.from_metadata(meta)
        model.load_state_dict(tensors, strict=True)
        model.eval()
        x = images["images"].to(model.head.weight.dtype)
        with torch.no_grad():
            if focus is None:  # the trained model: focus's logits from the file it wrote
                run(args.driver, "vit-logits", path, images_path, logits)
                focus = load(logits)[0]["logits"]
            compare(f"{name} focus->torch", model(x), focus)
            for p in model.parameters():
                p.copy_(torch.randn_like(p) * 0.3)
            written = path.replace(".torch.st", ".from_torch.st")
            save(written, model.state_dict(), meta)
            run(args.driver, "vit-logits", written, images_path, logits)
            compare(f"{name} torch->focus", load(logits)[0]["logits"], model(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--translate", required=True)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--fashion-cnn", help="the fashion_cnn program (also checks its --export-torch file)")
    ap.add_argument("--fashion-vit", help="the fashion_vit program (also checks its --export-torch file)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(0)

    # Two trained models: post-norm (torch's default) and pre-norm (translate's), sinusoidal;
    # each also widened to float64. Each model's settings then go the other way with random
    # PyTorch weights, with sinusoidal and with learned positions (Seq2Seq's pos).
    small = ["--task", "copy", "--steps", "30", "--threads", "1", "--d-model", "32", "--heads", "4",
             "--ff", "64", "--layers", "2"]
    inputs_path = os.path.join(args.work, "inputs.st")
    for norm_first, label in (("0", "post-norm"), ("1", "pre-norm")):
        path = os.path.join(args.work, f"trained_{label}.st")
        run(args.translate, "train", *small, "--positions", "sinusoidal", "--norm-first", norm_first, "--save", path)
        wide = os.path.join(args.work, f"trained_{label}.f64.st")
        run(args.driver, "widen", path, wide)
        for model_path, suffix in ((path, ""), (wide, "-f64")):
            settings = load(model_path)[1]
            V_src, V_tgt = int(settings["model.src_vocab"]), int(settings["model.tgt_vocab"])
            inputs = {"src": torch.randint(4, V_src, (3, 9)), "tgt": torch.randint(4, V_tgt, (3, 7))}  # no specials
            save(inputs_path, inputs, {})
            meta = focus_to_torch(args, label + suffix, model_path, inputs_path, inputs)
            for positions in ("sinusoidal", "learned"):
                torch_to_focus(args, f"{label}-{positions}{suffix}", {**meta, "model.positions": positions},
                               inputs_path, inputs, seed=1)

    # A trained model with learned positions has two tables: export refuses it in one line.
    learned = os.path.join(args.work, "trained_learned.st")
    run(args.translate, "train", *small, "--positions", "learned", "--save", learned)
    refused = os.path.join(args.work, "refused.torch.st")
    p = run(args.translate, "export", "--load", learned, "--to", "torch", refused, expect=1)
    ok = len(p.stderr.strip().splitlines()) == 1 and not os.path.exists(refused)
    print(f"export of two learned tables refused: {p.stderr.strip()} {'ok' if ok else 'FAILED'}")
    if not ok:
        failures.append("learned refusal")

    good = os.path.join(args.work, "pre-norm-sinusoidal.from_torch.st")
    bad_files(args, good, load(good)[1])
    gpt_both_ways(args)
    cnn_both_ways(args)
    vit_both_ways(args)
    if failures:
        sys.exit(f"interop_check: FAILED: {', '.join(failures)}")
    print("interop_check: all comparisons within limits")


if __name__ == "__main__":
    main()
