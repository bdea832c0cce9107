"""The training command of the Hugging Face path, with the reference device_train.py's arguments:

    python -m star_trainer.train --config CONFIG --tune-model-path BASE

fine-tunes the base model BASE (an HF folder, or a hub name where a hub is reachable) on the
iteration's examples (`train_jsonl` in CONFIG) for `total_steps` optimizer steps, with the loss on
the completions only, and saves `model_dir/step_{total_steps}/` (see checkpoints.py). It prints
`step N loss X` after every step, `state will be restored from checkpoint K` when it resumes and
`training completed!` at the end: the lines host/step-parser.ts reads. Exit status 2: bad input (the
message says what to fix); the host does not retry it.

The same command runs under torchrun (`torchrun --nproc_per_node N -m star_trainer.train ...`, or
across hosts with --nnodes): data parallel over the processes, with the config's step batch split
between them (replicas.py), and FSDP or DeepSpeed when the config's `fsdp` / `deepspeed` ask for it.
Only rank 0 prints and writes `step_N/` and `meta.json`; the Trainer saves its resume state from
every rank's part, and a restarted run resumes all ranks from the newest complete save.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from .checkpoints import final_dir, final_is_complete, last_resumable, partial_dir, resume_root, save_final
from .config import TrainSettings, read_settings
from .errors import BadInputError, exit_status
from .examples import ExampleDataset, PadCollator, read_examples, tokenize_example
from .replicas import check_devices, replicas_from_env, split_step
from .schedule import lr_factor

DEFAULT_MAX_LENGTH = 2048


# Under torchrun every rank runs this module; only rank 0 speaks, so the host reads each line once.
REPLICAS = replicas_from_env()


def say(line: str) -> None:
    if REPLICAS.is_main:
        print(line, flush=True)


def load_base(base: str, precision: str) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    looks_local = base.startswith((".", "/", "~")) or Path(base).exists()
    if looks_local and not Path(base).expanduser().is_dir():
        raise BadInputError(f"the base model {base} (--tune-model-path) is not a folder; give a Hugging Face model folder")
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    except (OSError, ValueError) as err:
        raise BadInputError(f"cannot load the base model {base} as a Hugging Face causal LM: {err}") from err
    if tokenizer.eos_token_id is None:
        raise BadInputError(f"the tokenizer of {base} has no eos_token: set one in its tokenizer_config.json, so completions can end")
    return model, tokenizer


def context_length(model: Any, settings: TrainSettings) -> int:
    config = model.config
    model_max = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    limits = [n for n in (settings.seq, model_max) if isinstance(n, int) and n > 1]
    return min(limits) if limits else DEFAULT_MAX_LENGTH


def with_lora(model: Any, settings: TrainSettings) -> Any:
    if settings.lora is None:
        return model
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as err:
        raise BadInputError("the config asks for LoRA but peft is not installed: install star-trainer[lora] (scripts/setup-llm.sh does)") from err
    from transformers import set_seed

    lora = settings.lora
    # The adapter's A matrices start random, drawn before the Trainer seeds itself: seed here, so the
    # config's seed fixes the adapter and a rerun (a resumed host, a fresh clone) trains the same one.
    set_seed(settings.seed)
    config = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=lora.target_modules, task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def sharding_arguments(settings: TrainSettings) -> dict[str, Any]:
    if settings.fsdp and settings.deepspeed:
        raise BadInputError("the config sets both fsdp and deepspeed; keep one of them (each shards the model its own way)")
    if (settings.fsdp or settings.deepspeed) and settings.lora is not None:
        raise BadInputError("the config sets lora with fsdp or deepspeed, which this trainer does not merge from shards: drop lora, or train it with plain data parallel (no fsdp / deepspeed)")
    arguments: dict[str, Any] = {}
    if settings.fsdp:
        arguments["fsdp"] = settings.fsdp
        if settings.fsdp_config is not None:
            arguments["fsdp_config"] = settings.fsdp_config
    if settings.deepspeed:
        arguments["deepspeed"] = settings.deepspeed
    return arguments


def check_sharding_applied(trainer: Any, settings: TrainSettings) -> None:
    """accelerate applies FSDP and DeepSpeed only on accelerators: on CPU processes it drops the plugin
    without a word and trains plain data parallel, which would pass for a sharded run. Refused, so the
    config says what actually trains."""
    import accelerate

    dropped = [name for name, asked, applied in (("fsdp", settings.fsdp, trainer.is_fsdp_enabled), ("deepspeed", settings.deepspeed, trainer.is_deepspeed_enabled)) if asked and not applied]
    if dropped:
        device = "CUDA devices" if cuda_device_count() else "no CUDA device (CPU processes)"
        raise BadInputError(
            f"the config sets {dropped[0]} but the installed accelerate {accelerate.__version__} did not apply it on this host, which has {device}: "
            f"it shards only on GPUs (and other accelerators) and would train plain data parallel instead. Drop {dropped[0]} from the iteration config "
            "to train data parallel, or run on GPUs"
        )


def replica_arguments() -> dict[str, Any]:
    if REPLICAS.count == 1:
        return {}
    import torch

    return {
        # The step's loss is the mean over all its completion tokens, whichever rank holds them: the
        # same loss and gradient as one process with the whole batch.
        "average_tokens_across_devices": True,
        "ddp_backend": None if torch.cuda.is_available() else "gloo",
    }


def training_arguments(**arguments: Any) -> Any:
    """TrainingArguments, with what the installed transformers, accelerate or deepspeed refuse (an
    FSDP or DeepSpeed config among them) turned into bad input: retrying cannot fix it."""
    from transformers import TrainingArguments

    sharding = {k: arguments[k] for k in ("fsdp", "fsdp_config", "deepspeed") if k in arguments}
    if not sharding:
        return TrainingArguments(**arguments)
    try:
        return TrainingArguments(**arguments)
    except (ValueError, TypeError, ImportError, KeyError) as err:
        raise BadInputError(
            f"the installed transformers refuses the training arguments (sharding {sharding}): "
            f"{type(err).__name__}: {err}. Fix the iteration config's fsdp / fsdp_config / deepspeed fields, or install what it names"
        ) from err


def build_trainer(settings: TrainSettings, model: Any, tokenizer: Any, dataset: ExampleDataset) -> Any:
    import torch
    from torch.optim.lr_scheduler import LambdaLR
    from transformers import PrinterCallback, ProgressCallback, Trainer, TrainerCallback

    schedule = lr_factor(settings.lr, settings.end_lr, settings.warmup_steps, settings.anneal_steps)

    class ReferenceScheduleTrainer(Trainer):
        def create_scheduler(self, num_training_steps: int, optimizer: Any = None) -> Any:
            if self.lr_scheduler is None:
                self.lr_scheduler = LambdaLR(optimizer if optimizer is not None else self.optimizer, schedule)
            return self.lr_scheduler

    class StepLines(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if logs and "loss" in logs and state.is_world_process_zero:
                say(f"step {state.global_step} loss {logs['loss']:.6f}")

    split = split_step(settings.batch_size, settings.gradient_accumulation_steps, REPLICAS.count)
    args = training_arguments(
        output_dir=str(resume_root(settings.model_dir)),
        max_steps=settings.total_steps,
        per_device_train_batch_size=split.per_device_batch,
        gradient_accumulation_steps=split.gradient_accumulation_steps,
        learning_rate=settings.lr,
        weight_decay=settings.weight_decay,
        max_grad_norm=1.0,
        optim="adamw_torch",
        logging_strategy="steps",
        logging_steps=1,
        save_strategy="steps",
        save_steps=settings.save_every,
        save_total_limit=1,
        report_to=[],
        disable_tqdm=True,
        seed=settings.seed,
        data_seed=settings.seed,
        bf16=settings.precision == "bf16",
        fp16=settings.precision == "fp16",
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        remove_unused_columns=False,
        **replica_arguments(),
        **sharding_arguments(settings),
    )
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    try:
        trainer = ReferenceScheduleTrainer(model=model, args=args, train_dataset=dataset, data_collator=PadCollator(pad_id), callbacks=[StepLines()])
    except ValueError as err:
        sharding = sharding_arguments(settings)
        if not sharding:
            raise
        # e.g. "Using fsdp only works in distributed training." for fsdp in one process.
        raise BadInputError(f"the installed transformers refuses the training arguments (sharding {sharding}): ValueError: {err}. Fix the iteration config's fsdp / fsdp_config / deepspeed fields, or start the command under torchrun") from err
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    return trainer


def train(settings: TrainSettings, base: str) -> Path:
    from transformers.utils import logging as hf_logging

    # Progress bars of loading and saving would fill the host's log, which keeps whole lines.
    hf_logging.disable_progress_bar()
    final = final_dir(settings.model_dir, settings.total_steps)
    if final_is_complete(settings.model_dir, settings.total_steps):
        say(f"{final} is complete; nothing to train")
        say("training completed!")
        return final
    check_devices(REPLICAS, cuda_device_count())
    examples = read_examples(settings.train_jsonl)
    model, tokenizer = load_base(base, settings.precision)
    max_length = context_length(model, settings)
    dataset = ExampleDataset([tokenize_example(example, tokenizer, max_length) for example in examples])
    model = with_lora(model, settings)
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    trainer = build_trainer(settings, model, tokenizer, dataset)
    check_sharding_applied(trainer, settings)
    resume = newest_save_for_all_ranks(trainer, settings)
    say(
        f"training {settings.name}: {base} on {len(dataset)} examples from {settings.train_jsonl}, {settings.total_steps} steps of "
        f"{settings.batch_size} x {settings.gradient_accumulation_steps}{replicas_note(trainer)}, lr {settings.lr:g}, saving every {settings.save_every} steps"
    )
    if resume:
        say(f"state will be restored from checkpoint {resume[0]}")
    trainer.train(resume_from_checkpoint=str(resume[1]) if resume else None)
    model = trainer.accelerator.unwrap_model(trainer.model)
    if settings.lora is not None and settings.lora.save == "merged":
        model = model.merge_and_unload()
    sharded = trainer.is_fsdp_enabled or trainer.is_deepspeed_enabled
    if sharded and not final.is_dir():
        # Sharded weights are gathered by the Trainer's own save, in which every rank takes part.
        trainer.save_model(str(partial_dir(settings.model_dir, settings.total_steps)))
    if REPLICAS.is_main:
        save_final(model, tokenizer, settings.model_dir, settings.total_steps, weights_written=sharded)
        shutil.rmtree(resume_root(settings.model_dir), ignore_errors=True)
    trainer.accelerator.wait_for_everyone()
    say(f"saved {final}")
    say("training completed!")
    return final


def cuda_device_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def replicas_note(trainer: Any) -> str:
    if REPLICAS.count == 1:
        return ""
    args = trainer.args
    return f" ({REPLICAS.count} replicas of {args.per_device_train_batch_size} x {args.gradient_accumulation_steps})"


def newest_save_for_all_ranks(trainer: Any, settings: TrainSettings) -> tuple[int, Path] | None:
    """Rank 0 drops a half-written save (a kill while saving) before any rank looks, so every rank
    resumes from the same step."""
    if REPLICAS.is_main:
        last_resumable(settings.model_dir)
    trainer.accelerator.wait_for_everyone()
    return last_resumable(settings.model_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m star_trainer.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="the iteration config JSON (configs/{exp}_{i}.json)")
    parser.add_argument("--tune-model-path", required=True, help="the base model every iteration fine-tunes: a Hugging Face folder")
    args = parser.parse_args(argv)
    return exit_status(lambda: train(read_settings(args.config), args.tune_model_path))


if __name__ == "__main__":
    sys.exit(main())
