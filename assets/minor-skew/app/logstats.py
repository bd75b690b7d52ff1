"""logstats: count the web shop's responses per HTTP status and write them as CSV.

The monitoring team imports the CSV into their dashboard every night. Each row is
``status,reason,count``, for example ``404,Not Found,3``.
"""

import argparse
import collections
import csv
import re
from http import HTTPStatus

# The status code of a line in the combined log format: `... "GET /cart HTTP/1.1" 404 512 ...`
STATUS = re.compile(r'" (\d{3}) ')


def tally(lines):
    counts = collections.Counter()
    for line in lines:
        match = STATUS.search(line)
        if match:
            counts[HTTPStatus(int(match.group(1)))] += 1
    return counts


def write_csv(counts, path):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["status", "reason", "count"])
        for status, count in sorted(counts.items()):
            writer.writerow([status, status.phrase, count])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log", help="an access log in the combined format")
    parser.add_argument("--out", required=True, help="where to write the CSV")
    args = parser.parse_args()
    with open(args.log, encoding="utf-8") as handle:
        counts = tally(handle)
    write_csv(counts, args.out)
    print(f"logstats: {sum(counts.values())} requests, {len(counts)} statuses -> {args.out}")


if __name__ == "__main__":
    main()
