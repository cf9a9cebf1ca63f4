"""The official Arize Python SDK (the `arize` package) doing the export loop
that `cargo xtask bench` times: every page of GET /v2/audit-logs, 100 entries a
page, written as JSON Lines. Usage: arize_sdk_export.py BASE_URL OUTPUT
(the key from ARIZE_API_KEY)."""

import os
import sys
from urllib.parse import urlsplit

from arize import ArizeClient


def main() -> None:
    base, output = sys.argv[1], sys.argv[2]
    url = urlsplit(base)
    client = ArizeClient(
        api_key=os.environ["ARIZE_API_KEY"],
        api_host=url.hostname,
        api_scheme=url.scheme,
        api_port=url.port,
    )
    cursor = None
    with open(output, "w", encoding="utf-8") as out:
        while True:
            page = client.audit_logs.list(limit=100, cursor=cursor)
            for log in page.logs:
                # The SDK's own `to_json()` fails on `created_at` (a datetime
                # that `json.dumps` cannot encode); pydantic's serialiser works.
                out.write(log.model_dump_json())
                out.write("\n")
            if not page.pagination.has_more:
                break
            cursor = page.pagination.next_cursor


if __name__ == "__main__":
    main()
