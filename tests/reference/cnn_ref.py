"""The PyTorch twin of fashion_cnn's network (examples/fashion_cnn/network.h): two nn.Sequential
stacks whose state_dict names are focus's as they are (features.<i>.*, classifier.<i>.*), built
from a file's "cnn.width" and "cnn.hidden". Block b has b + 1 of [Conv2d 3x3 without bias,
BatchNorm2d, ReLU] with width << b channels and ends in MaxPool2d(2); then Flatten, a hidden
Linear + ReLU when hidden > 0, Dropout and Linear to 10 classes. Images go in as
(pixel / 255 - image.mean) / image.std, [B, 1, 28, 28]. Run with /usr/bin/python3.
"""
import torch.nn as nn


class FashionCNN(nn.Module):
    def __init__(s, width, hidden):
        super().__init__()
        layers, channels = [], 1
        for block in range(2):
            out = width << block
            for _ in range(block + 1):
                layers += [nn.Conv2d(channels, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
                channels = out
            layers.append(nn.MaxPool2d(2))
        s.features = nn.Sequential(*layers)
        head, features_out = [nn.Flatten()], channels * 7 * 7
        if hidden > 0:
            head += [nn.Linear(features_out, hidden), nn.ReLU()]
            features_out = hidden
        s.classifier = nn.Sequential(*head, nn.Dropout(0.0), nn.Linear(features_out, 10))

    @staticmethod
    def from_metadata(meta):
        if meta.get("focus.torch_layout") != "fashion_cnn.FashionCNN":
            raise ValueError(f"FashionCNN: the file's layout is {meta.get('focus.torch_layout')}")
        return FashionCNN(int(meta["cnn.width"]), int(meta["cnn.hidden"]))

    def forward(s, images):
        return s.classifier(s.features(images))
