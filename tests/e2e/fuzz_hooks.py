"""Schemathesis hooks for the gateway fuzz run: one line per response, so the run can be counted.

Loaded by the schemathesis process through `SCHEMATHESIS_HOOKS`; writes to `ZX_FUZZ_LOG`.
"""

import os

import schemathesis


@schemathesis.hook
def after_call(context, case, response) -> None:
    # One short append per line: whole lines even with several workers writing at once.
    with open(os.environ["ZX_FUZZ_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{response.status_code} {case.method} {case.operation.path}\n")
