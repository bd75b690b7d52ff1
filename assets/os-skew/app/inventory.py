"""inventory: a small stock-report service for the warehouse team.

Reads its settings from a TOML file and prints (``--once``) or serves (``--serve PORT``) a report of
items that are running low.
"""

import argparse
import http.server
import sys
import tomllib  # the TOML parser in Python's standard library since 3.11

STOCK = {"bolts": 120, "nuts": 8, "washers": 45, "hinges": 3}


def load_settings(path):
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def report(settings):
    threshold = settings["report"]["low_stock_below"]
    lines = [f"Inventory report for {settings['site']['name']}"]
    for item, count in sorted(STOCK.items()):
        flag = "  LOW" if count < threshold else ""
        lines.append(f"  {item:<8} {count:>4}{flag}")
    return "\n".join(lines) + "\n"


class Handler(http.server.BaseHTTPRequestHandler):
    settings = {}

    def do_GET(self):
        if self.path != "/report":
            self.send_error(404)
            return
        body = report(self.settings).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="print the report and exit")
    mode.add_argument("--serve", type=int, metavar="PORT", help="serve GET /report")
    args = parser.parse_args()
    settings = load_settings(args.config)
    if args.once:
        sys.stdout.write(report(settings))
        return
    Handler.settings = settings
    print(f"inventory listening on :{args.serve}", flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", args.serve), Handler).serve_forever()


if __name__ == "__main__":
    main()
