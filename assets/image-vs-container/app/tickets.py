#!/usr/bin/env python3
"""tickets: the ticket counter of the Minato Aquarium.

Release 2.0 added group discounts, kept in their own file next to the fares. The service reads
both at start; without either it cannot price a single ticket, so it stops.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FARES = "/etc/tickets/fares.json"
DISCOUNTS = "/etc/tickets/discounts.json"  # new in 2.0


def load() -> tuple[dict[str, int], dict[str, int]]:
    """The fares (yen) and the discounts (percent off), read from /etc/tickets."""
    with open(FARES, encoding="utf-8") as file:
        fares = json.load(file)
    with open(DISCOUNTS, encoding="utf-8") as file:
        discounts = json.load(file)
    return fares, discounts


def price_list(fares: dict[str, int], discounts: dict[str, int]) -> dict[str, dict[str, int]]:
    """Every fare with every discount applied, rounded down to 10 yen as the tills do."""
    return {
        fare: {"regular": yen, **{name: yen * (100 - off) // 100 // 10 * 10 for name, off in discounts.items()}}
        for fare, yen in fares.items()
    }


def check() -> None:
    fares, discounts = load()
    for fare, prices in price_list(fares, discounts).items():
        print(f"  {fare:<8}" + "  ".join(f"{name} {yen:>5} yen" for name, yen in prices.items()))
    print(f"tickets: {len(fares)} fares, {len(discounts)} discounts, ready")


def serve(port: int) -> None:
    body = json.dumps(price_list(*load()), ensure_ascii=False, indent=2).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            found = self.path == "/prices"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(body if found else b'{"error": "not found"}')

    print(f"tickets: serving /prices on port {port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="load the price list, print it and exit")
    parser.add_argument("--serve", type=int, metavar="PORT", help="serve the price list over HTTP")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        check()


if __name__ == "__main__":
    main()
