"""reserve: the table-reservation service of a small restaurant group.

Keeps reservations in SQLite at the path its INI config names and answers
``GET /health`` and ``GET /reservations?date=YYYY-MM-DD`` as JSON.
"""

import argparse
import configparser
import http.server
import json
import sqlite3
import sys
import urllib.parse

SCHEMA = """
CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, time TEXT NOT NULL, name TEXT NOT NULL, guests INTEGER NOT NULL
)
"""
SAMPLE = [
    ("2026-12-24", "18:30", "Sato", 4),
    ("2026-12-24", "19:00", "Tanaka", 2),
    ("2026-12-25", "12:00", "Suzuki", 6),
]


def open_database(path):
    # sqlite3 creates the file if it is missing, but never the folder it should live in.
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute(SCHEMA)
    if db.execute("SELECT COUNT(*) FROM reservations").fetchone()[0] == 0:
        db.executemany("INSERT INTO reservations (day, time, name, guests) VALUES (?, ?, ?, ?)", SAMPLE)
        db.commit()
    return db


class Handler(http.server.BaseHTTPRequestHandler):
    db = None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/health":
            count = self.db.execute("SELECT COUNT(*) FROM reservations").fetchone()[0]
            self.reply({"status": "ok", "reservations": count})
        elif url.path == "/reservations":
            day = urllib.parse.parse_qs(url.query).get("date", [""])[0]
            rows = self.db.execute(
                "SELECT time, name, guests FROM reservations WHERE day = ? ORDER BY time", (day,)
            ).fetchall()
            self.reply({"date": day, "reservations": [dict(zip(("time", "name", "guests"), r)) for r in rows]})
        else:
            self.send_error(404)

    def reply(self, data):
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    config = configparser.ConfigParser()
    if not config.read(args.config):
        sys.exit(f"reserve: cannot read {args.config}")
    path = config["database"]["path"]
    port = config.getint("server", "port")
    print(f"reserve: opening database {path}", flush=True)
    Handler.db = open_database(path)
    print(f"reserve: listening on :{port}", flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
