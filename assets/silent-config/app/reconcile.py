"""reconcile: compare one day of the sales API with the register's closing report.

The register's report is the truth the accountant signs off; the API must agree with it.
"""

import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def fetch(url):
    # The service may still be starting: retry refused connections for a few seconds.
    deadline = time.monotonic() + 5
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main():
    day = sys.argv[1]
    register = dict(
        line.split("=", 1) for line in Path(f"/srv/register/{day}.txt").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    want = (int(register["orders"]), int(register["total_yen"]))
    report = fetch(f"http://127.0.0.1:8080/sales?date={day}")
    print(report, end="", flush=True)
    count, total = re.search(r"合計 (\d+)件 ([\d,]+)円", report).groups()
    got = (int(count), int(total.replace(",", "")))
    if got != want:
        print(f"reconcile: MISMATCH for {day}: register {want[0]} orders / {want[1]:,} yen, "
              f"sales API {got[0]} orders / {got[1]:,} yen", file=sys.stderr)
        sys.exit(1)
    print(f"reconcile: {day} matches the register ({want[0]} orders / {want[1]:,} yen)")


if __name__ == "__main__":
    main()
