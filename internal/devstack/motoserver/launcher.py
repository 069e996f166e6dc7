"""Launch a moto server for the local stack (internal/devstack/motoserver).

Turns on moto's Step Functions executor (stepfunctions.execute_state_machine),
applies the fix of getmoto/moto#10093 for getmoto/moto#10077 (a second
StartExecution on one state machine fails with "cannot pickle
'_thread.RLock'"), serves every moto backend on --host:--port (0 picks a free
port) and prints "MOTO_READY <port>" on stdout once it accepts connections.

MOTO_PORT must name the port where moto's executor reaches AWS services: the
edge of the local stack, which routes each call to moto, DynamoDB Local or the
function host.
"""

import argparse
import copy
import logging
import signal
import sys


def apply_fix_10093():
    """Snapshot a state machine without its executions.

    StepFunctionsParserBackend.start_execution deep-copies the state machine
    to snapshot its definition for the new execution. After a first execution
    the machine's `executions` list holds a live ExecutionWorker (a thread and
    an RLock) that deepcopy cannot copy. Upstream (#10093) pre-seeds the
    deepcopy memo so the clone gets an empty `executions` list; we do the
    same, and also let the clone share the backend instead of copying it (the
    backend holds every other state machine and their live executions).
    """
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.parser import models as parser_models

    real_copy = copy

    class _Copy:
        """The `copy` module as parser_models sees it, with a safe deepcopy."""

        def __getattr__(self, name):
            return getattr(real_copy, name)

        @staticmethod
        def deepcopy(x, memo=None, _nil=[]):  # noqa: B006 (copy.deepcopy's signature)
            if isinstance(x, StateMachine):
                memo = {} if memo is None else memo
                memo[id(x.executions)] = []
                backend = getattr(x, "backend", None)
                if backend is not None:
                    memo[id(backend)] = backend
            return real_copy.deepcopy(x, memo)

    parser_models.copy = _Copy()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    default_user_config["stepfunctions"]["execute_state_machine"] = True
    apply_fix_10093()

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, app, threaded=True)

    def stop(signum, frame):
        sys.stdout.flush()
        # serve_forever runs in this thread; leave without waiting for it.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("MOTO_READY %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
