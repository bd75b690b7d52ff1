"""receipts: the sales API of a small café in Tokyo.

Orders are stored with UTC timestamps, as payment terminals send them. ``GET /sales?date=YYYY-MM-DD``
lists one business day's orders in local time and ends with the day's total.
"""

import argparse
import csv
import datetime
import http.server
import os
import urllib.parse

WEEKDAYS = "月火水木金土日"


def load_orders(path):
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        paid = datetime.datetime.fromisoformat(row["paid_at"].replace("Z", "+00:00"))
        # astimezone() without an argument converts to this machine's local time zone.
        row["local"] = paid.astimezone()
        row["yen"] = int(row["yen"])
    return rows


def sales_report(orders, day):
    date = datetime.date.fromisoformat(day)
    todays = [o for o in orders if o["local"].date() == date]
    lines = [f"{date.year}年{date.month}月{date.day}日({WEEKDAYS[date.weekday()]}) の売上"]
    for order in todays:
        lines.append(f"  {order['local']:%H:%M}  {order['item']}  {order['yen']:,}円")
    total = sum(o["yen"] for o in todays)
    lines.append(f"合計 {len(todays)}件 {total:,}円")
    return "\n".join(lines) + "\n"


class Handler(http.server.BaseHTTPRequestHandler):
    orders = []

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sales":
            self.send_error(404)
            return
        day = urllib.parse.parse_qs(url.query).get("date", [""])[0]
        try:
            body = sales_report(self.orders, day).encode("utf-8")
        except ValueError:
            self.send_error(400, "date must be YYYY-MM-DD")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", default=os.environ.get("RECEIPTS_ORDERS", "/srv/receipts/orders.csv"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RECEIPTS_PORT", "8080")))
    args = parser.parse_args()
    Handler.orders = load_orders(args.orders)
    server = http.server.ThreadingHTTPServer(("0.0.0.0", args.port), Handler)
    zone = datetime.datetime.now().astimezone().tzname()
    print(f"receipts: {len(Handler.orders)} orders loaded, local time zone {zone}, listening on :{args.port}",
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
