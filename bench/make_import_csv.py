"""Write a CSV file of N users for `scimctl import`, shaped like an HR export.

Usage: make_import_csv.py N OUT.csv [--groups | --like-wrk]

Row k (0-based) has userName `imp-NNNNNN`, a unicode given name, a family name holding a comma,
a work email, a title with quotes (every fourth one with a line break) and a department. With
`--groups`, a `groups` column puts each user in one of 200 teams (500 users each for 100,000
rows) and one of 20 departments (5,000 each). With `--like-wrk`, the columns make the body
bench/wrk/scim.lua POSTs (userName, name, a work email, active), so that a server's POST
capacity and the import are measured on users of the same shape. Deterministic: the same N
gives the same file.
"""

import csv
import sys

GIVEN = ["Zoë", "李", "Jean-Noël", "Ågot", "O'Neil", "Łukasz", "Barbara", "Miguel"]
TITLES = ['Engineer', 'Lead, Platform', '"Chief" Tinkerer', 'Support\nEngineer']


def main(argv):
    options = argv[3:]
    if len(argv) not in (3, 4) or not argv[1].isdigit() or options not in ([], ["--groups"], ["--like-wrk"]):
        sys.exit(__doc__)
    count, out = int(argv[1]), argv[2]
    groups, like_wrk = options == ["--groups"], options == ["--like-wrk"]
    if like_wrk:
        header = ["userName", "givenName", "familyName", "email", "active"]
    else:
        header = ["userName", "givenName", "familyName", "email", "title", "department"]
    if groups:
        header.append("groups")
    with open(out, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for k in range(count):
            if like_wrk:
                name = f"imp-{k:06d}"
                writer.writerow([name, GIVEN[k % len(GIVEN)], f"Test, {k}", f"{name}@example.com", "true"])
                continue
            row = [
                f"imp-{k:06d}",
                GIVEN[k % len(GIVEN)],
                f"Family, {k}",
                f"imp-{k:06d}@example.com",
                TITLES[k % len(TITLES)],
                f"Dept {k % 20:02d}",
            ]
            if groups:
                row.append(f"Team {k % 200:03d}; Dept {k % 20:02d}")
            writer.writerow(row)


if __name__ == "__main__":
    main(sys.argv)
