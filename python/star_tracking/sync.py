"""Brings an experiment's tracker runs up to date with what its store holds, once per fact.

Reads one JSON document on stdin (written by tracking/sync.ts: the options as params, the tags, one
metrics dict per finished iteration, the training loss per step, the report folder, whether the loop
has ended) and logs what each tracker does not have yet. Prints one JSON document on stdout: per
tracker, the run and what was logged. Exit status 2 names bad input; 3 a tracker that cannot be reached (the caller
retries a few times, then goes on: the next sync logs what this one missed).

The trackers' own settings come from their usual environment variables (MLFLOW_TRACKING_URI,
MLFLOW_EXPERIMENT_NAME, WANDB_PROJECT, WANDB_MODE, WANDB_API_KEY, WANDB_DIR), never from the input.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
import time
from typing import Any

UNREACHABLE = 3
BAD_INPUT = 2


class TrackerUnreachable(Exception):
    pass


def run_key(payload: dict[str, Any]) -> str:
    """One tracker run per experiment folder: a rerun under the same name elsewhere is another run."""
    return hashlib.sha256(payload["storageDir"].encode()).hexdigest()[:12]


def sync_mlflow(payload: dict[str, Any]) -> dict[str, Any]:
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise ValueError("tracking includes mlflow but MLFLOW_TRACKING_URI is not set where the worker runs: set it to the tracking server (e.g. http://127.0.0.1:5000)")
    # The SDK retries an unreachable server for minutes by default; the workflow retries the sync itself.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
    client = MlflowClient(tracking_uri=uri)
    name = os.environ.get("MLFLOW_EXPERIMENT_NAME", "star-temporal")
    try:
        found = client.get_experiment_by_name(name)
    except MlflowException as err:
        raise TrackerUnreachable(f"MLflow at {uri}: {err}") from err
    except Exception as err:  # requests' connection errors surface as several types
        raise TrackerUnreachable(f"MLflow at {uri} did not answer: {err}") from err
    experiment_id = found.experiment_id if found else client.create_experiment(name)

    key = run_key(payload)
    run = the_run(client, experiment_id, key, payload["experiment"])
    run_id = run.info.run_id
    have_params = dict(run.data.params)

    tags = [RunTag(k, v) for k, v in payload["tags"].items()]
    # A param keeps its first value (MLflow refuses to change one): options changed later (star extend) show in the tags.
    params = [Param(k, v) for k, v in payload["params"].items() if k not in have_params]
    for start in range(0, len(params), 100):
        client.log_batch(run_id, params=params[start : start + 100])
    client.log_batch(run_id, tags=tags)

    wanted: dict[str, dict[int, float]] = {}
    for row in payload["iterations"]:
        for metric, value in row["metrics"].items():
            wanted.setdefault(metric, {})[row["step"]] = value
    for point in payload["loss"]:
        wanted.setdefault(f"train/loss/iteration_{point['iteration']}", {})[point["step"]] = point["loss"]

    now = int(time.time() * 1000)
    missing: list[Any] = []
    skipped = 0
    for metric, by_step in wanted.items():
        logged = {m.step for m in client.get_metric_history(run_id, metric)} if metric in run.data.metrics else set()
        for step, value in sorted(by_step.items()):
            if step in logged:
                skipped += 1
            else:
                missing.append(Metric(metric, float(value), now, int(step)))
    for start in range(0, len(missing), 1000):
        client.log_batch(run_id, metrics=missing[start : start + 1000])

    artifacts = payload.get("artifactsDir")
    if artifacts and os.path.isdir(artifacts):
        client.log_artifacts(run_id, artifacts, "report")
    # FINISHED once the loop has ended (every planned iteration, or the early-stop rule), and RUNNING
    # again when `star extend` gives it more: the tracker's run list shows which experiments go on.
    if payload.get("ended") and run.info.status != "FINISHED":
        client.set_terminated(run_id, "FINISHED")
    elif not payload.get("ended") and run.info.status == "FINISHED":
        client.update_run(run_id, status="RUNNING")
    return {"runId": run_id, "experimentId": experiment_id, "logged": len(missing), "skipped": skipped}


def the_run(client: Any, experiment_id: str, key: str, name: str) -> Any:
    """The experiment's one run, created if missing. Two syncs that both found none (a retry racing an
    attempt still running) each create one; both then keep the oldest and the other is deleted."""
    find = lambda: client.search_runs([experiment_id], filter_string=f"tags.`star.run_key` = '{key}'", max_results=50)
    runs = find()
    if not runs:
        client.create_run(experiment_id, run_name=name, tags={"star.run_key": key})
        runs = find()
    runs.sort(key=lambda r: (r.info.start_time, r.info.run_id))
    for extra in runs[1:]:
        client.delete_run(extra.info.run_id)
    return client.get_run(runs[0].info.run_id)


def exit_with_parent() -> None:
    """A worker killed with SIGKILL leaves this process behind; it must not go on logging beside the retry."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def wandb_id(payload: dict[str, Any]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "-", payload["experiment"])[:48]
    return f"{base}-{run_key(payload)}"


def sync_wandb(payload: dict[str, Any]) -> dict[str, Any]:
    import wandb

    ledger = payload.get("wandbLedger") or {}
    done_iterations = set(ledger.get("iterations", []))
    done_loss = set(ledger.get("lossIterations", []))
    rows = [r for r in payload["iterations"] if r["step"] not in done_iterations]
    loss_iterations = sorted({p["iteration"] for p in payload["loss"]} - done_loss)
    run_id = wandb_id(payload)
    directory = os.environ.get("WANDB_DIR") or payload["wandbDir"]
    os.makedirs(directory, exist_ok=True)
    run = wandb.init(
        project=os.environ.get("WANDB_PROJECT", "star-temporal"),
        id=run_id,
        name=payload["experiment"],
        resume="allow",
        dir=directory,
        config=payload["params"],
        tags=[f"{k}={v}"[:64] for k, v in payload["tags"].items() if k.startswith("temporal.") and k != "temporal.ui"],
        notes=payload["tags"].get("temporal.ui"),
        settings=wandb.Settings(silent=True, console="off"),
    )
    try:
        run.define_metric("iteration")
        for prefix in ("dev/*", "generation/*", "train/steps", "train/examples", "train/final_loss", "seconds/*"):
            run.define_metric(prefix, step_metric="iteration")
        run.define_metric("train/step")
        run.define_metric("train/loss/*", step_metric="train/step")
        for row in sorted(rows, key=lambda r: r["step"]):
            run.log({"iteration": row["step"], **row["metrics"]})
        for iteration in loss_iterations:
            for point in (p for p in payload["loss"] if p["iteration"] == iteration):
                run.log({"train/step": point["step"], f"train/loss/iteration_{iteration}": point["loss"]})
        artifacts = payload.get("artifactsDir")
        if artifacts and os.path.isdir(artifacts):
            for name in sorted(os.listdir(artifacts)):
                run.save(os.path.join(artifacts, name), base_path=artifacts, policy="now")
        run_dir = run.dir
    finally:
        run.finish()
    return {
        "runId": run_id,
        "runDir": os.path.dirname(run_dir),
        "logged": len(rows) + sum(1 for p in payload["loss"] if p["iteration"] in loss_iterations),
        "ledger": {
            "runId": run_id,
            "iterations": sorted(done_iterations | {r["step"] for r in rows}),
            "lossIterations": sorted(done_loss | set(loss_iterations)),
        },
    }


SYNCS = {"mlflow": sync_mlflow, "wandb": sync_wandb}


def main() -> int:
    exit_with_parent()
    try:
        payload = json.load(sys.stdin)
    except json.JSONDecodeError as err:
        print(f"star_tracking.sync: the input is not JSON: {err}", file=sys.stderr)
        return BAD_INPUT
    out: dict[str, Any] = {}
    # stdout carries the one JSON answer: what the SDKs print there (MLflow writes "View run ... at"
    # when a run ends) goes to stderr instead.
    answer = sys.stdout
    sys.stdout = sys.stderr
    for tracker in payload["trackers"]:
        sync = SYNCS.get(tracker)
        if sync is None:
            print(f"unknown tracker {tracker!r}: use one of {', '.join(SYNCS)}", file=sys.stderr)
            return BAD_INPUT
        try:
            out[tracker] = sync(payload)
        except ImportError as err:
            print(f"tracking includes {tracker}, but this Python cannot import it ({err}): run scripts/setup-tracking.sh, or set STAR_TRACKING_PYTHON to a Python that has it", file=sys.stderr)
            return BAD_INPUT
        except ValueError as err:
            print(str(err), file=sys.stderr)
            return BAD_INPUT
        except TrackerUnreachable as err:
            print(str(err), file=sys.stderr)
            return UNREACHABLE
    json.dump(out, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
