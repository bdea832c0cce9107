"""Reads a W&B run file (`run-ID.wandb`) with W&B's own record protobufs and prints its history rows and
config as JSON. The file is a LevelDB-style log (W&B's `:W&B` header, 32 KiB blocks of checksummed,
possibly fragmented records); each record is a `wandb_internal_pb2.Record`.
Usage: python read_wandb.py RUN_DIR"""
import glob
import json
import struct
import sys

from wandb.proto import wandb_internal_pb2 as pb

BLOCK = 32768
HEADER = 7


def records(path):
    data = open(path, "rb").read()
    if data[:4] != b":W&B":
        raise SystemExit(f"{path} is not a W&B run file")
    pos, pending = HEADER, b""
    while pos + HEADER <= len(data):
        left = BLOCK - (pos % BLOCK)
        if left < HEADER:
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        body = data[pos + HEADER : pos + HEADER + length]
        pos += HEADER + length
        if kind == 0 and length == 0:
            break
        if kind == 1:
            yield body
        elif kind == 2:
            pending = body
        elif kind == 3:
            pending += body
        elif kind == 4:
            yield pending + body
            pending = b""


def main():
    (path,) = glob.glob(f"{sys.argv[1]}/run-*.wandb")
    history, config = [], {}
    for raw in records(path):
        record = pb.Record()
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        if kind == "history":
            history.append({item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item})
        elif kind in ("config", "run"):
            updates = record.config.update if kind == "config" else record.run.config.update
            for item in updates:
                config[item.key] = json.loads(item.value_json)
    json.dump({"history": history, "config": config}, sys.stdout)


main()
