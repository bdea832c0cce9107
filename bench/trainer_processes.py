"""The Hugging Face trainer's throughput on CPU: one process against torchrun with two (DDP, gloo),
same model, same examples, same step batch, in turns in one run.

Each layout trains the same steps from the same base; the parent stamps each `step N loss` line as it
arrives, and tokens/s is the tokens of the steps after the first `--warm` over their wall time
(start-up, loading and the first steps left out). Every example has the same token count, so every
step holds batch x that many tokens whichever process holds them. Layouts:

  1x1  one process, 1 thread         (OMP_NUM_THREADS=1)
  1x2  one process, 2 threads        (the single-process baseline on a 2-core machine)
  2x1  torchrun --nproc_per_node 2, 1 thread each

Usage (from the checkout, with the LLM venv of scripts/setup-llm.sh):
  .tools/llm-venv/bin/python bench/trainer_processes.py [--layers 4 --width 256 --steps 40 --rounds 2]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from star_trainer.tiny_lm import make_tiny_lm  # noqa: E402

LAYOUTS = {"1x1": (1, 1), "1x2": (1, 2), "2x1": (2, 1)}


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def equal_length_examples(path: Path, tokenizer, count: int) -> int:
    by_length: dict[int, list[dict]] = {}
    i = 0
    while max((len(v) for v in by_length.values()), default=0) < count:
        a, b = 10 + i % 89, 10 + (i * 7) % 89
        prompt = f"Input:\n{a} + {b}\nTarget:"
        completion = f"\n<scratch>\n{a} + {b} , C: 0\n</scratch>\n{a + b}"
        n = len(tokenizer(prompt + completion)["input_ids"])
        by_length.setdefault(n, []).append({"prompt": prompt, "completion": completion})
        i += 1
    length, rows = max(by_length.items(), key=lambda kv: len(kv[1]))
    path.write_text("".join(json.dumps(row) + "\n" for row in rows[:count]))
    return length


def run(layout: str, base: Path, train_jsonl: Path, work: Path, args) -> float:
    processes, threads = LAYOUTS[layout]
    model_dir = Path(tempfile.mkdtemp(prefix=f"run-{layout}-", dir=work))
    config = work / f"{model_dir.name}.json"
    config.write_text(json.dumps({
        "total_steps": args.steps, "model_dir": str(model_dir), "train_jsonl": str(train_jsonl), "lr": 1e-3,
        "per_replica_batch": args.batch, "ckpt_every": args.steps * 10, "seed": 3,
    }))
    train = ["-m", "star_trainer.train", "--config", str(config), "--tune-model-path", str(base)]
    command = [sys.executable, *train] if processes == 1 else [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes), *train]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python"), "OMP_NUM_THREADS": str(threads)}
    env = {k: v for k, v in env.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    stamps: dict[int, float] = {}
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    output = []
    for line in child.stdout:
        output.append(line)
        if line.startswith("step ") and " loss " in line:
            stamps[int(line.split()[1])] = time.monotonic()
    if child.wait() != 0:
        raise SystemExit(f"{layout} failed:\n{''.join(output[-40:])}")
    first, last = args.warm, args.steps
    return (last - first) * args.batch * args.length / (stamps[last] - stamps[first])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16, help="the step batch (split across processes)")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warm", type=int, default=8, help="steps left out at the start")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--layouts", default="1x1,1x2,2x1")
    args = parser.parse_args()
    from transformers import AutoTokenizer

    with tempfile.TemporaryDirectory(prefix="star-bench-trainer-") as scratch:
        work = Path(scratch)
        corpus = work / "corpus.txt"
        corpus.write_text("Input:\n29 + 57\nTarget:\n<scratch>\n29 + 57 , C: 0\n</scratch>\n86\n" * 50)
        base = make_tiny_lm([corpus], work / "base", vocab_size=300, layers=args.layers, width=args.width, heads=args.heads, positions=128)
        tokenizer = AutoTokenizer.from_pretrained(base)
        train_jsonl = work / "train.jsonl"
        args.length = equal_length_examples(train_jsonl, tokenizer, args.batch * 4)
        print(f"model: GPT-2 shape, {args.layers} layers, width {args.width}; {args.batch} examples of {args.length} tokens a step; "
              f"steps {args.warm + 1}-{args.steps} timed; load average at start {load()}", flush=True)
        results: dict[str, list[float]] = {}
        for round_index in range(args.rounds):
            for layout in args.layouts.split(","):
                before = load()
                rate = run(layout, base, train_jsonl, work, args)
                results.setdefault(layout, []).append(rate)
                print(f"round {round_index + 1} {layout}: {rate:8.0f} tokens/s  (load average {before} -> {load()})", flush=True)
        best = {layout: max(rates) for layout, rates in results.items()}
        print("best of rounds, tokens/s: " + ", ".join(f"{k} {v:.0f}" for k, v in best.items()))
        if "2x1" in best:
            for baseline in ("1x1", "1x2"):
                if baseline in best:
                    print(f"ratio 2x1 / {baseline}: {best['2x1'] / best[baseline]:.2f}")
        print(f"load average at end {load()}")


if __name__ == "__main__":
    main()
