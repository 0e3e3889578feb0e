#!/usr/bin/python3
# The Fashion-MNIST facts tests/test_images.cpp checks, computed independently of focus with Python's
# gzip and NumPy from Debian's dataset-fashion-mnist files: counts, the label histograms, the first
# labels, one row of the first training image, and the mean / std (population) of pixel / 255.
# Run: /usr/bin/python3 tests/reference/fashion_mnist_stats.py [DIR]
import gzip
import sys

import numpy as np

folder = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"


def read(name, header):
    with gzip.open(f"{folder}/{name}.gz") as f:
        return np.frombuffer(f.read()[header:], np.uint8)


for split in ("train", "t10k"):
    images = read(f"{split}-images-idx3-ubyte", 16).reshape(-1, 28, 28)
    labels = read(f"{split}-labels-idx1-ubyte", 8)
    x = images / 255.0
    print(f"{split}: count={len(labels)} first labels={labels[:5].tolist()} histogram={np.bincount(labels).tolist()}")
    print(f"{split}: mean={x.mean():.10f} std={x.std():.10f}")
    print(f"{split}: image 0 row 10 = {images[0, 10].tolist()}")
