"""The process an analysts' evaluation runs in, apart from the service (see
:mod:`service.evaluations`): ``python -m service.evaluation_worker`` reads one pickled job on
standard input and writes its pickled outcome, ``("done", figures)`` or ``("failed", the kind
of fault, its traceback)``, on standard output. Its standard error is the service's, so it logs
as the service does (:mod:`service.logs`): JSON lines, and tracebacks without the exceptions'
messages, which can name members.

It lowers its own priority before it loads anything (loading the libraries is work too), so on a
machine with few cores the service's requests come first. It ignores Ctrl-C: the service it
works for stops it when the service stops.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(10)
    answer = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed on the way may garble the outcome
    from models.settings import get_settings  # only now, at the lower priority
    from service.logs import configure_logging, trace

    configure_logging(get_settings().log_level)
    try:
        from service.evaluations import evaluate_job

        outcome: tuple[str, ...] = ("done", evaluate_job(*pickle.load(sys.stdin.buffer)))
    except Exception as exc:  # anything: the service reports it and carries on
        # Analysts are told the kind of fault only, the log its frames and types: its message
        # may name members.
        outcome = ("failed", type(exc).__name__, trace(exc))
    pickle.dump(outcome, answer)
    answer.flush()


if __name__ == "__main__":
    main()
