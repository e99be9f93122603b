"""Shared test settings.

Hypothesis runs with no deadline (the first call of a test also builds SymPy derivatives,
which is slow once and fast after) and a modest number of examples so that the whole suite
stays fast.  Two profiles:

* ``dev`` (the default): random examples, remembered in the local example database so that a
  failure found once is replayed first next time;
* ``ci`` (chosen when the environment has ``CI=true``): derandomized, so a CI run is
  reproducible, and no example database.

Pick another with ``pytest --hypothesis-profile=NAME``; raise the number of examples for a
thorough local run with ``HOD_TEST_EXAMPLES=200 pytest``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_examples = int(os.environ.get("HOD_TEST_EXAMPLES", "10"))
_common = dict(
    deadline=None,
    max_examples=_examples,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)

settings.register_profile("dev", **_common)
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, **_common)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev")
