"""Make moto's Step Functions executor run startExecution.sync:2.

moto 5.2.1 took LocalStack's executor but not its parameter and response
normalisation (both are no-ops in moto), so a Task state with the resource
arn:aws:states:::states:startExecution.sync:2 fails with States.Runtime
"'StateMachineArn'": the ASL's PascalCase parameters reach boto3 unchanged,
and boto3's lowerCamelCase answers reach the state unchanged. The signing
workflow continues a long task in a child execution through exactly that
resource (the README's "Limits"), so without this a task of 1,000 signees
cannot finish on the local stack.

The benchmark (internal/bench) puts this folder on PYTHONPATH of the moto
it starts; Python imports sitecustomize at start-up. It does what
LocalStack's normalisation does for this one API: parameters to boto3's
names, the start and describe answers back to the PascalCase names AWS
returns to a state (ExecutionArn, Output, …).
"""


def _value(v):
    # Timestamps reach a state as epoch milliseconds, as AWS passes them.
    if hasattr(v, "timestamp") and callable(v.timestamp):
        return int(v.timestamp() * 1000)
    return v


def _pascal(d):
    return {(k[:1].upper() + k[1:]): _value(v) for k, v in d.items()}


def _patch():
    try:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
            state_task_service_sfn as sfn,
        )
    except Exception:  # moto missing or moved: leave it as it is
        return
    cls = sfn.StateTaskServiceSfn
    if getattr(cls, "_bench_patched", False):
        return
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

    def _eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        real_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        if env.stack and isinstance(env.stack[-1], dict):
            env.stack[-1] = _pascal(env.stack[-1])

    def _normalise_response(self, response, boto_service_name=None, service_action_name=None):
        real_response(self, response, boto_service_name, service_action_name)
        if service_action_name == "describe_execution" and isinstance(response, dict):
            pascal = _pascal(response)
            response.clear()
            response.update(pascal)

    cls._normalise_parameters = _normalise_parameters
    cls._eval_service_task = _eval_service_task
    cls._normalise_response = _normalise_response
    cls._bench_patched = True


_patch()
