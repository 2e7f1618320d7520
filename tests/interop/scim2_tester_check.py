"""Run python-scim's conformance checker (scim2-tester) against one SCIM server.

Usage: scim2_tester_check.py BASE_URL TOKEN

Prints one line per check result (status, resource type, title, reason), then a
last line `SUMMARY {json}` holding the count per status, the total and the number
of failures (ERROR and CRITICAL results). tests/interop_scim2_tester.rs parses that
line; people read the others. Exit status: 0 when the checker ran (whatever it
found), 2 on a usage error, 3 when the checker itself crashed.
"""

import json
import sys
import traceback
from collections import Counter

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status
from scim2_tester import check_server

# The statuses scim2-tester uses for a broken MUST (ERROR) or a security hole
# (CRITICAL); every other status is a pass, a legal choice or a skipped check.
FAILING_STATUSES = {Status.ERROR, Status.CRITICAL}

# Bounds every request, so a server that hangs fails the run instead of stalling it.
REQUEST_TIMEOUT_SECONDS = 10.0


def one_line(text):
    """Keep a result on a single output line, whatever the reason holds."""
    return " ".join(str(text).split()) if text is not None else ""


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} BASE_URL TOKEN", file=sys.stderr)
        return 2
    base_url, token = argv[1], argv[2]

    http = httpx2.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    with http:
        # No provider is given: check_server reads the server's discovery
        # endpoints and tests the resource types they publish.
        client = SyncSCIMClient(http)
        try:
            results = check_server(client)
        except Exception:
            traceback.print_exc()
            return 3

    counts = Counter(result.status.name for result in results)
    for result in results:
        print(
            f"{result.status.name:<10} {result.resource_type or '-':<6} "
            f"{result.title or '?'}: {one_line(result.reason)}"
        )
    failures = sum(1 for result in results if result.status in FAILING_STATUSES)
    resource_types = sorted({r.resource_type for r in results if r.resource_type})
    summary = {
        "counts": dict(sorted(counts.items())),
        "total": len(results),
        "failures": failures,
        "resource_types": resource_types,
    }
    print("SUMMARY " + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
