"""POST every user of a seed file to a SCIM server, for servers that cannot load a seed file.

Usage: load_users.py BASE_URL TOKEN SEED.json

Eight worker threads, one HTTP connection each. Any answer other than 201 stops the load
with the status and body, so a benchmark never runs against a half-loaded server.
"""

import http.client
import json
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

WORKERS = 8
TIMEOUT_SECONDS = 30


def post_all(base_url, token, users):
    url = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=TIMEOUT_SECONDS)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/scim+json",
        "Accept": "application/scim+json",
    }
    try:
        for user in users:
            connection.request("POST", f"{url.path}/Users", json.dumps(user), headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 201:
                raise RuntimeError(
                    f"POST {user['userName']} answered {response.status}: {body[:500]!r}"
                )
    finally:
        connection.close()
    return len(users)


def main(argv):
    if len(argv) != 4:
        print(f"usage: {argv[0]} BASE_URL TOKEN SEED.json", file=sys.stderr)
        return 2
    base_url, token, seed = argv[1].rstrip("/"), argv[2], argv[3]
    with open(seed, encoding="utf-8") as f:
        users = json.load(f)["Users"]
    slices = [users[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        loaded = sum(pool.map(lambda part: post_all(base_url, token, part), slices))
    print(f"loaded {loaded} users into {base_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
