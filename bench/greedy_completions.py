"""Greedy completions of a Hugging Face causal LM, token by token, for scripts/completion-stop-savings.ts.

.tools/llm-venv/bin/python bench/greedy_completions.py --model DIR --prompts prompts.jsonl --out completions.jsonl
    [--max-new-tokens 192] [--batch 8] [--threads 1]

Reads {"id", "prompt"} lines and writes {"id", "pieces", "end"}: the text each generated token adds
(the decoded prefix after it minus the one before), generated on to --max-new-tokens with no stop, so
the script can place a server's stop strings and the completion stop rule on token boundaries
afterwards; "end" is the index of the first end-of-sequence token (where a server stops), or null.
"""

import argparse
import json

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--prompts", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-new-tokens", type=int, default=192)
    parser.add_argument("--batch", type=int, default=8)
    # One thread by default: on a loaded 2-core machine more threads spin against each other.
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    model.eval()
    ends = {tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|endoftext|>")} - {None, tokenizer.unk_token_id}
    with open(args.prompts, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    with open(args.out, "w", encoding="utf-8") as out:
        for start in range(0, len(rows), args.batch):
            batch = rows[start : start + args.batch]
            encoded = tokenizer([r["prompt"] for r in batch], return_tensors="pt", padding=True)
            with torch.no_grad():
                generated = model.generate(
                    **encoded,
                    max_new_tokens=args.max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                    # Past end-of-sequence too, as a server that ignores it would: the script decides where each stops.
                    eos_token_id=None,
                )
            width = encoded["input_ids"].shape[1]
            for row, ids in zip(batch, generated[:, width:].tolist()):
                pieces, before = [], ""
                for k in range(1, len(ids) + 1):
                    text = tokenizer.decode(ids[:k])
                    pieces.append(text[len(before) :])
                    before = text
                end = next((k for k, i in enumerate(ids) if i in ends), None)
                out.write(json.dumps({"id": row["id"], "pieces": pieces, "end": end}) + "\n")
            out.flush()
            print(f"{min(start + args.batch, len(rows))}/{len(rows)}", flush=True)


if __name__ == "__main__":
    main()
