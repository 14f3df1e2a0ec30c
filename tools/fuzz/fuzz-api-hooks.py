"""schemathesis hooks for npm run fuzz:api (loaded through SCHEMATHESIS_HOOKS).

An Idempotency-Key is state, which a schema cannot describe: the same key with another
body is refused (422, as README and the IETF Idempotency-Key draft say), and the same key
with the same body replays the first response, even when that book has since been
deleted. The fuzzer draws keys from the document's pattern and, shrinking towards short
values, draws the same few keys again and again, so both would be reported as "valid
request rejected" or "created resource not found". Each valid key is therefore sent as
drawn the first time and replaced by a fresh one after that: every key the document
allows still reaches the service, and no request depends on an earlier one. Replays and
reuse are tested in service/test/component/concurrency.test.ts.
"""

import re
import threading
import uuid

import schemathesis

KEY = re.compile(r"[\x21-\x7e]{1,255}")
_sent: set[str] = set()
_lock = threading.Lock()


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() != "idempotency-key" or not isinstance(value, str) or not KEY.fullmatch(value):
            continue
        with _lock:
            if value in _sent:
                value = f"fuzz-{uuid.uuid4()}"
                headers[name] = value
            _sent.add(value)
