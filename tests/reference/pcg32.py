#!/usr/bin/env python3
"""Reference values for focus's random numbers (tests/test_tensor.cpp, "tensor: PCG32 ...").

PCG32 (XSH RR 64/32) written from O'Neill's description with plain Python integers, independent
of the C++ code. It first reproduces the published pcg32-demo vector (seed 42, stream 54) to show
the implementation is the reference one, then prints what focus should give for stream 0 seeds,
for the distributions focus documents in tensor/random.h:
  uniform float64 = ((u32 >> 5) * 2^26 + (u32 >> 6)) / 2^53
  uniform float32 = (u32 >> 8) / 2^24
  below(n), n <= 2^32: Lemire's multiply-and-reject with threshold (2^32 - n) mod n
  below(n), n > 2^32: v = (u32 << 32) | u32 (high word first), rejected unless
                      v < (2^64 - 1) - (2^64 - 1) mod n, then v mod n
  normal: Box-Muller, u1 = 1 - uniform(), u2 = uniform(), returns r cos, then r sin
Run: python3 tests/reference/pcg32.py
"""
import math

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1
MULT = 6364136223846793005


class Pcg32:
    def __init__(self, initstate, initseq=0):
        self.state = 0
        self.inc = ((initseq << 1) | 1) & MASK64
        self.next_u32()
        self.state = (self.state + initstate) & MASK64
        self.next_u32()

    def next_u32(self):
        old = self.state
        self.state = (old * MULT + self.inc) & MASK64
        xorshifted = (((old >> 18) ^ old) >> 27) & MASK32
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((-rot) & 31))) & MASK32

    def uniform(self):
        hi = self.next_u32() >> 5
        lo = self.next_u32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992.0

    def uniform_float(self):
        return (self.next_u32() >> 8) / 16777216.0

    def below(self, n):
        assert n > 0
        if n > 1 << 32:  # rejection on 64-bit draws, high word drawn first
            limit = MASK64 - (MASK64 % n)
            while True:
                hi = self.next_u32()
                v = (hi << 32) | self.next_u32()
                if v < limit:
                    return v % n
        m = self.next_u32() * n
        low = m & MASK32
        if low < n:
            threshold = ((1 << 32) - n) % n
            while low < threshold:
                m = self.next_u32() * n
                low = m & MASK32
        return m >> 32

    def normals(self, count):
        out = []
        while len(out) < count:
            u1 = 1.0 - self.uniform()
            u2 = self.uniform()
            r = math.sqrt(-2.0 * math.log(u1))
            theta = 6.283185307179586476925 * u2
            out += [r * math.cos(theta), r * math.sin(theta)]
        return out[:count]


# The pcg32-demo vector from the PCG reference (pcg-c-basic, seed 42, stream 54).
demo = Pcg32(42, 54)
assert [demo.next_u32() for _ in range(6)] == [
    0xA15C02B7, 0x7B47F409, 0xBA1D3330, 0x83D2F293, 0xBFA4784B, 0xCBED606E]
demo = Pcg32(42, 54)
print("demo state after srandom(42, 54): state=%d inc=%d" % (demo.state, demo.inc))

g = Pcg32(42)
print("seed 42 next_u32 x5:", [g.next_u32() for _ in range(5)])
g = Pcg32(0)
print("seed 0 next_u32 x3:", [g.next_u32() for _ in range(3)])
g = Pcg32(42)
print("seed 42 uniform x3:", ["%.17g" % g.uniform() for _ in range(3)])
g = Pcg32(42)
print("seed 42 uniform_float x3:", ["%.9g" % g.uniform_float() for _ in range(3)])
g = Pcg32(42)
print("seed 42 normal x4:", ["%.17g" % v for v in g.normals(4)])
g = Pcg32(7)
print("seed 7 below(7) x10:", [g.below(7) for _ in range(10)])
g = Pcg32(7)
print("seed 7 below(1000003) x5:", [g.below(1000003) for _ in range(5)])
g = Pcg32(42)
print("seed 42 below(2^32) x2:", [g.below(1 << 32) for _ in range(2)])
g = Pcg32(3)
perm = list(range(8))
for i in range(7, 0, -1):  # Fisher-Yates from the end, as focus::randperm
    j = g.below(i + 1)
    perm[i], perm[j] = perm[j], perm[i]
print("seed 3 randperm(8):", perm)
g = Pcg32(9)
print("seed 9 bernoulli(0.3) x8:", [int(g.uniform() < 0.3) for _ in range(8)])
g = Pcg32(5)
print("seed 5 below(2^40 + 3) x3:", [g.below((1 << 40) + 3) for _ in range(3)])
# below(n) for large n: find a seed whose first draw the correct threshold (2^32 - n) mod n
# rejects but (2^64 - n) mod n would accept, so the test pins the threshold formula.
n = 3_000_000_000
right, wrong = ((1 << 32) - n) % n, ((1 << 64) - n) % n
for seed in range(1000):
    low = (Pcg32(seed).next_u32() * n) & MASK32
    if (low < right) != (low < wrong):
        g = Pcg32(seed)
        print("seed %d below(%d) x3 (first draw rejected):" % (seed, n), [g.below(n) for _ in range(3)])
        break
