"""Write a `scimctl serve --seed` JSON file with N generated users.

Usage: make_seed.py N OUT.json

User k (1-based) has userName `bench-user-NNNNNN` (six digits), externalId `bench-ext-NNNNNN`, a
name, a work email and `active: true`: small but shaped like what an IdP provisions. The
same file feeds scim2-server through load_users.py, so both servers hold identical data.
"""

import json
import sys

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def user(number):
    tag = f"{number:06d}"
    return {
        "schemas": [USER_SCHEMA],
        "userName": f"bench-user-{tag}",
        "externalId": f"bench-ext-{tag}",
        "name": {"givenName": "Bench", "familyName": f"User {tag}"},
        "displayName": f"Bench User {tag}",
        "emails": [{"value": f"bench-user-{tag}@example.com", "type": "work", "primary": True}],
        "active": True,
    }


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit():
        print(f"usage: {argv[0]} N OUT.json", file=sys.stderr)
        return 2
    count = int(argv[1])
    with open(argv[2], "w", encoding="utf-8") as out:
        json.dump({"Users": [user(n) for n in range(1, count + 1)], "Groups": []}, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
