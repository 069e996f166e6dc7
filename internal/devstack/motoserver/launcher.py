"""Launch a moto server for the local stack (internal/devstack/motoserver).

Turns on moto's Step Functions executor (stepfunctions.execute_state_machine),
applies the fix of getmoto/moto#10093 for getmoto/moto#10077 (a second
StartExecution on one state machine fails with "cannot pickle
'_thread.RLock'") and the fix of getmoto/moto#10202 (KMS Sign ignores
MessageType=DIGEST), makes the executor run startExecution.sync:2 (the
workflow's continue-as-new), takes two costs off every request (see
apply_speedups), serves every moto backend on --host:--port (0 picks a free
port) and prints "MOTO_READY <port>" on stdout once it accepts connections.

MOTO_PORT must name the port where moto's executor reaches AWS services: the
edge of the local stack, which routes each call to moto, DynamoDB Local or the
function host.

The patches below reach into moto's private modules (class and function
names, call signatures, what a method does inside), so they hold for the moto
versions in SUPPORTED_MOTO_VERSIONS only: the launcher checks the installed
version first and, for any other, stops with a message naming both and prints
no MOTO_READY.
"""

import argparse
import copy
import functools
import importlib.metadata
import logging
import os
import signal
import sys
import threading
import uuid


# The moto versions whose private modules the patches below were written and
# tested against: apply_fix_10093 (StepFunctionsParserBackend's deepcopy of a
# state machine), apply_fix_10202 (KmsResponse.sign, RSAPrivateKey.sign),
# apply_sfn_sync_normalisation (StateTaskServiceSfn's normalisation hooks) and
# apply_speedups (backends.list_of_moto_modules, the JSONPath parse functions
# of the executor and of EventBridge's target input (jsonpath_ng.ext.parse),
# ExecutionWorker._get_evaluation_entrypoint). To support another version,
# check each patch against its source, run the motoserver tests under CI=true,
# and add it here.
SUPPORTED_MOTO_VERSIONS = ("5.2.1",)

# A refusal starts with this word on a line of its own; motoserver.Start
# turns that line into its error (motoserver.ErrUnsupportedVersion).
UNSUPPORTED = "MOTO_UNSUPPORTED"


def check_moto_version(installed):
    """Stop (exit status 3) unless moto `installed` is a supported version."""
    if installed in SUPPORTED_MOTO_VERSIONS:
        return
    sys.stderr.write(
        "%s moto %s is installed, but the local stack's moto launcher "
        "(internal/devstack/motoserver/launcher.py) supports moto %s only: it patches "
        "moto's private modules to fix a second StartExecution on one state machine "
        "(getmoto/moto#10077, fixed by getmoto/moto#10093) and KMS Sign with "
        "MessageType=DIGEST (getmoto/moto#10202), to run startExecution.sync:2, and "
        "to take per-request costs out of the server, and another version may lack or "
        "have changed what they patch. Install it with pip install 'moto[server]==%s', "
        "or check the patches against moto %s and add it to SUPPORTED_MOTO_VERSIONS.\n"
        % (UNSUPPORTED, installed, " or ".join(SUPPORTED_MOTO_VERSIONS),
           SUPPORTED_MOTO_VERSIONS[-1], installed)
    )
    sys.stderr.flush()
    sys.exit(3)


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


def apply_fix_10202():
    """Make KMS Sign honour MessageType=DIGEST, as AWS does.

    moto 5.2.1 reads MessageType and drops it: KmsBackend.sign hands the
    message to the key, which hashes it again, so a DIGEST request gets a
    signature over sha256(digest) and a JWT signed through KMS (the
    functions' platform access token, platformauth.KMSSigner) does not
    verify. getmoto/moto#10202 (open at the time of writing) makes Sign
    honour the type. Here the Sign response handler notes the type in a
    thread-local (each request runs in its own thread), and the RSA key
    signs such a message as a prehashed digest of the algorithm's hash,
    refusing one of the wrong length as KMS does. ECC keys are not changed.
    """
    import threading

    from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
    from moto.kms import responses as kms_responses
    from moto.kms import utils as kms_utils

    state = threading.local()
    real_sign_response = kms_responses.KmsResponse.sign
    real_rsa_sign = kms_utils.RSAPrivateKey.sign

    def sign_response(self):
        state.digest = self._get_param("MessageType") == "DIGEST"
        try:
            return real_sign_response(self)
        finally:
            state.digest = False

    def rsa_sign(self, message, signing_algorithm):
        if not getattr(state, "digest", False):
            return real_rsa_sign(self, message, signing_algorithm)
        kms_utils.validate_signing_algorithm(
            signing_algorithm, kms_utils.SigningAlgorithm.rsa_signing_algorithms()
        )
        pad, algorithm = self._RSAPrivateKey__padding_and_hash_algorithm(signing_algorithm)
        if len(message) != algorithm.digest_size:
            raise kms_utils.ValidationException(
                "Digest is invalid length for algorithm " + signing_algorithm + "."
            )
        return self.private_key.sign(message, pad, asym_utils.Prehashed(algorithm))

    kms_responses.KmsResponse.sign = sign_response
    kms_utils.RSAPrivateKey.sign = rsa_sign


def apply_sfn_sync_normalisation():
    """Make the executor run arn:aws:states:::states:startExecution.sync:2.

    moto 5.2.1 took LocalStack's executor but not its parameter and response
    normalisation (both are no-ops in moto), so such a Task state fails with
    States.Runtime "'StateMachineArn'": the ASL's PascalCase parameters reach
    boto3 unchanged, and boto3's lowerCamelCase answers reach the state
    unchanged. The signing workflow continues a long task in a child
    execution through exactly that resource (docs/workflow.md, "Limits"), so
    without this a task of 1,000 signees cannot finish on the local stack.
    This does what LocalStack's normalisation does for this one API:
    parameters to boto3's names, the start and describe answers back to the
    PascalCase names AWS gives a state (ExecutionArn, Output, ...), with
    timestamps as epoch milliseconds, and a UUID for a child given no Name.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn,
    )

    def value(v):
        if hasattr(v, "timestamp") and callable(v.timestamp):
            return int(v.timestamp() * 1000)
        return v

    def pascal(d):
        return {(k[:1].upper() + k[1:]): value(v) for k, v in d.items()}

    cls = sfn.StateTaskServiceSfn
    real_normalise = cls._normalise_parameters
    real_eval = cls._eval_service_task
    real_response = cls._normalise_response

    def _normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
        real_normalise(self, parameters, boto_service_name, service_action_name)
        if service_action_name is None and self._get_boto_service_action() == "start_execution":
            for k in list(parameters):
                lower = k[:1].lower() + k[1:]
                if lower != k:
                    parameters[lower] = parameters.pop(k)
            # AWS names an unnamed execution with a UUID; moto would use "None".
            parameters.setdefault("name", str(uuid.uuid4()))

    def _eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        real_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        if env.stack and isinstance(env.stack[-1], dict):
            env.stack[-1] = pascal(env.stack[-1])

    def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
        real_response(self, response, boto_service_name, service_action_name)
        if service_action_name == "describe_execution" and isinstance(response, dict):
            normalised = pascal(response)
            response.clear()
            response.update(normalised)

    cls._normalise_parameters = _normalise_parameters
    cls._eval_service_task = _eval_service_task
    cls._normalise_response = _normalise_response


def apply_speedups():
    """Take two per-request costs out of moto, which bound the local stack.

    - Every request picks its backend under one lock, and the pick lists
      moto's package folder (listdir + isdir of ~150 entries) each time, so
      all requests queue behind a file-system scan. The list never changes
      while the server runs; it is read once.
    - The executor parses each JSONPath it evaluates with jsonpath_ng,
      which builds a new PLY parser (validating its grammar from source)
      per parse. Parsed paths are immutable; they are cached per string.
      EventBridge does the same for every target of every event
      (moto.events.utils.EventTemplateParser.parse imports jsonpath_ng.ext's
      parse at each call): about 0.24 s of CPU per event, so a PutEvents of
      ten to a rule with a queue target took over two seconds.

    - Every execution parses the state machine's definition again (ANTLR in
      Python, about 0.15 s of CPU for the signing workflow). The parsed
      program is a tree of evaluators that keep their state in the
      execution's environment, so executions of one definition share it.

    None of them changes what moto answers; with a thousand executions at
    once they were most of moto's time.
    """
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        module.parse = functools.lru_cache(maxsize=4096)(module.parse)

    import jsonpath_ng.ext

    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=4096)(jsonpath_ng.ext.parse)

    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    parse_program = ExecutionWorker._get_evaluation_entrypoint
    programs = {}
    programs_lock = threading.Lock()

    def _get_evaluation_entrypoint(self):
        definition = self._evaluation_details.state_machine_details.definition
        with programs_lock:
            program = programs.get(definition)
        if program is None:
            program = parse_program(self)
            with programs_lock:
                program = programs.setdefault(definition, program)
        return program

    ExecutionWorker._get_evaluation_entrypoint = _get_evaluation_entrypoint


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--assume-moto-version",
        help="check this version instead of the installed one (to test the refusal)",
    )
    args = parser.parse_args(argv)

    installed = args.assume_moto_version
    if installed is None:
        try:
            installed = importlib.metadata.version("moto")
        except importlib.metadata.PackageNotFoundError:
            pass  # the import below fails with "No module named 'moto'"
    if installed is not None:
        check_moto_version(installed)

    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    default_user_config["stepfunctions"]["execute_state_machine"] = True
    apply_fix_10093()
    apply_fix_10202()
    apply_sfn_sync_normalisation()
    apply_speedups()

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, app, threaded=True)
    if not os.environ.get("MOTO_PORT"):
        # Without an edge, the executor calls this server itself.
        os.environ["MOTO_PORT"] = str(server.server_address[1])

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
