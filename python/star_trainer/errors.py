"""Input a person must fix. The training command exits with status 2 on it, which the host worker
(host/train-on-host.ts) treats as a usage error: a non-retryable failure showing this message."""


class BadInputError(Exception):
    """The config, the training examples or the base model are not usable as given."""
