"""Builds a tiny, randomly initialised Hugging Face causal LM from local text alone (no hub):

    python -m star_trainer.tiny_lm --corpus FILE [--corpus FILE ...] --out DIR

A byte-level BPE (any text round-trips, the corpus only decides the merges) trained with `tokenizers`,
wrapped in PreTrainedTokenizerFast with `<|endoftext|>` as its BOS, EOS and padding token, and a
GPT-2 or Llama model with 2 layers of width 64, saved with save_pretrained (safetensors). For tests
of the real-model path: serving, fine-tuning and reloading, not for good answers.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

END_OF_TEXT = "<|endoftext|>"


def train_tokenizer(corpus: list[Path], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[END_OF_TEXT], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train([str(path) for path in corpus], trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token=END_OF_TEXT, eos_token=END_OF_TEXT, pad_token=END_OF_TEXT, unk_token=END_OF_TEXT)


def build_model(arch: str, vocab_size: int, eot_id: int, layers: int, width: int, heads: int, positions: int):
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    if arch == "gpt2":
        config = GPT2Config(
            vocab_size=vocab_size, n_positions=positions, n_embd=width, n_layer=layers, n_head=heads,
            bos_token_id=eot_id, eos_token_id=eot_id, pad_token_id=eot_id,
            # No dropout: a resumed fine-tune then computes what an uninterrupted one does.
            resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        )
        return GPT2LMHeadModel(config)
    config = LlamaConfig(
        vocab_size=vocab_size, hidden_size=width, intermediate_size=width * 4, num_hidden_layers=layers, num_attention_heads=heads,
        num_key_value_heads=heads, max_position_embeddings=positions, bos_token_id=eot_id, eos_token_id=eot_id, pad_token_id=eot_id,
    )
    return LlamaForCausalLM(config)


def make_tiny_lm(corpus: list[Path], out: Path, *, arch: str = "gpt2", vocab_size: int = 512, layers: int = 2, width: int = 64,
                 heads: int = 2, positions: int = 512, seed: int = 0) -> Path:
    import torch

    for path in corpus:
        if not path.is_file():
            raise FileNotFoundError(f"corpus file {path} does not exist")
    tokenizer = train_tokenizer(corpus, vocab_size)
    eot_id = tokenizer.convert_tokens_to_ids(END_OF_TEXT)
    torch.manual_seed(seed)
    model = build_model(arch, len(tokenizer), eot_id, layers, width, heads, positions)
    model.generation_config.pad_token_id = eot_id
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    # transformers 5 names its own backend class here; the generic class loads under older versions
    # too (the ones other servers, e.g. vLLM, pin).
    config_path = out / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m star_trainer.tiny_lm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", required=True, type=Path, help="a text file the tokenizer learns its merges from (repeatable)")
    parser.add_argument("--out", required=True, type=Path, help="the model folder to write")
    parser.add_argument("--arch", choices=("gpt2", "llama"), default="gpt2")
    parser.add_argument("--vocab-size", type=int, default=512)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--positions", type=int, default=512, help="the context length")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        make_tiny_lm(args.corpus, args.out, arch=args.arch, vocab_size=args.vocab_size, layers=args.layers, width=args.width,
                     heads=args.heads, positions=args.positions, seed=args.seed)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
