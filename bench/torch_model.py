"""PyTorch eager on the embedded model's shape, for bench/model.ts to compare against.

Same architecture as model/transformer.ts (pre-norm GPT-2 blocks, learned positions, ReLU MLP of
4 x width, untied head), same workload as the TypeScript side: full Adam steps on batch x seq
tokens, and cached sampling (prompt of ~20 tokens, `gen` tokens generated, temperature 0.01 with
top-p 0.9) at batch 256 and at batch 1. The key/value cache is preallocated and written in place,
as PyTorch code usually does. Prints one JSON object of tokens/s.

Usage: python bench/torch_model.py --layers 2 --width 128 --heads 4 --vocab 288 --seq 256
       --batch 16 --steps 4 --gen 96 --threads 2
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


class Block(torch.nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.wo = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.w1 = torch.nn.Linear(d, 4 * d)
        self.w2 = torch.nn.Linear(4 * d, d)

    def heads(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.h, -1).permute(2, 0, 3, 1, 4)
        return q, k, v

    def rest(self, x, att):
        b, t, d = x.shape
        x = x + self.wo(att.transpose(1, 2).reshape(b, t, d))
        return x + self.w2(F.relu(self.w1(self.ln2(x))))

    def forward(self, x):
        q, k, v = self.heads(x)
        return self.rest(x, F.scaled_dot_product_attention(q, k, v, is_causal=True))


class Model(torch.nn.Module):
    def __init__(self, layers, d, h, vocab, seq):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab, d)
        self.wpe = torch.nn.Embedding(seq, d)
        self.blocks = torch.nn.ModuleList(Block(d, h) for _ in range(layers))
        self.lnf = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.lnf(x))


def train_speed(m, a):
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    data = torch.randint(0, a.vocab, (a.batch, a.seq + 1))

    def step():
        logits = m(data[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), data[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()

    step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    return a.steps * a.batch * a.seq / (time.perf_counter() - t0)


@torch.inference_mode()
def sample_speed(m, a, batch):
    prompt = 20
    cap = prompt + a.gen
    d = a.width
    dh = d // a.heads
    keys = [torch.zeros(batch, a.heads, cap, dh) for _ in m.blocks]
    values = [torch.zeros(batch, a.heads, cap, dh) for _ in m.blocks]
    ids = torch.randint(0, a.vocab, (batch, prompt))
    gen = torch.Generator().manual_seed(0)

    def run(x, start):
        t = x.shape[1]
        for i, blk in enumerate(m.blocks):
            q, k, v = blk.heads(x)
            keys[i][:, :, start:start + t] = k
            values[i][:, :, start:start + t] = v
            att = F.scaled_dot_product_attention(q, keys[i][:, :, :start + t], values[i][:, :, :start + t], is_causal=t > 1)
            x = blk.rest(x, att)
        return m.head(m.lnf(x[:, -1]))

    def pick(logits):
        probs = torch.softmax(logits / 0.01, -1)
        sorted_p, order = probs.sort(-1, descending=True)
        keep = sorted_p.cumsum(-1) - sorted_p < 0.9
        sorted_p = sorted_p * keep
        return order.gather(-1, torch.multinomial(sorted_p, 1, generator=gen))

    t0 = time.perf_counter()
    logits = run(m.wte(ids) + m.wpe(torch.arange(prompt)), 0)
    for s in range(a.gen):
        nxt = pick(logits)
        if s == a.gen - 1:
            break
        pos = torch.full((batch, 1), prompt + s)
        logits = run(m.wte(nxt) + m.wpe(pos), prompt + s)
    return batch * a.gen / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser()
    for name, default in [("layers", 2), ("width", 128), ("heads", 4), ("vocab", 288), ("seq", 256),
                          ("batch", 16), ("steps", 4), ("gen", 96), ("threads", 2)]:
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m = Model(a.layers, a.width, a.heads, a.vocab, a.seq)
    train = train_speed(m, a)
    m.eval()
    sample_speed(m, a, 4)  # warm-up
    out = {"train_tokens_per_s": train, "sample_b256_tokens_per_s": sample_speed(m, a, 256),
           "sample_b1_tokens_per_s": sample_speed(m, a, 1), "torch": torch.__version__, "threads": a.threads}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
