"""The engine: tensors, the primitive record and its chain rule, recording, tapes, forward mode.

Imports point down this list, with no circle:

* :mod:`.registry`: the primitive table and the engine's late-bound view of the operations;
* :mod:`.tensor`: Tensor, Variable, constant;
* :mod:`.recording`: :func:`~.recording.apply`, which every operation goes through;
* :mod:`.cotangents`: deferred cotangents and their accumulation;
* :mod:`.primitive`: the primitive record, registration, VJP and JVP from partials;
* :mod:`.tape` (reverse mode), :mod:`.forward` (forward mode), :mod:`.custom`
  (stop_gradient, custom_gradient), :mod:`.functional` (grad, jacobian, hessian, ...).
"""
