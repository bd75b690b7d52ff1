"""dashboard_import: the monitoring team's nightly importer for logstats CSV files.

It is strict on purpose: a row it cannot read would silently vanish from the error-rate graph.
"""

import csv
import re
import sys

CODE = re.compile(r"^[1-5]\d\d$")


def main():
    path = sys.argv[1]
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=2):
        if not CODE.match(row["status"]):
            print(f"{path} line {number}: status {row['status']!r} is not an HTTP status code; "
                  "import refused", file=sys.stderr)
            sys.exit(1)
    errors = sum(int(r["count"]) for r in rows if r["status"].startswith("5"))
    total = sum(int(r["count"]) for r in rows)
    print(f"dashboard: imported {len(rows)} rows, {total} requests, {errors} server errors")


if __name__ == "__main__":
    main()
