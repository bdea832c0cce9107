"""Input a person must fix. The training command exits with status 2 on it, which the host worker
(host/train-on-host.ts) treats as a usage error: a non-retryable failure showing this message."""
from __future__ import annotations

import sys
from typing import Callable


class BadInputError(Exception):
    """The config, the training examples or the base model are not usable as given."""


def exit_status(run: Callable[[], object]) -> int:
    """Runs a command's work: 0 when it completes; on bad input its message on stderr and 2, the
    status the host does not retry."""
    try:
        run()
    except BadInputError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 2
    return 0
