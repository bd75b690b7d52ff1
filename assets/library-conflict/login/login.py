"""login: single sign-on for the staff portal. Issues signed tokens (JWT, HS256) for staff members.

Written in 2019 against PyJWT 1.7, where ``jwt.encode()`` returns bytes.
"""

import argparse
import http.server
import json
import time
import urllib.parse

import jwt

KEY_ID = "login-2026"
SIGNING_KEY = "/etc/portal/login-signing.key"


def issue(user, key):
    now = int(time.time())
    claims = {"sub": user, "iss": "login", "iat": now, "exp": now + 3600}
    token = jwt.encode(claims, key, algorithm="HS256", headers={"kid": KEY_ID})
    return token.decode("ascii")  # PyJWT 1.x returns bytes


class Handler(http.server.BaseHTTPRequestHandler):
    key = ""

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        user = urllib.parse.parse_qs(url.query).get("user", [""])[0]
        if url.path != "/token" or not user:
            self.send_error(404)
            return
        body = json.dumps({"user": user, "token": issue(user, self.key)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="print a token for --user and exit")
    mode.add_argument("--serve", type=int, metavar="PORT", help="serve GET /token?user=NAME")
    parser.add_argument("--user", default="alice")
    args = parser.parse_args()
    with open(SIGNING_KEY) as handle:
        key = handle.read().strip()
    if args.once:
        print(issue(args.user, key))
        return
    Handler.key = key
    print(f"login listening on :{args.serve} (PyJWT {jwt.__version__})", flush=True)
    http.server.ThreadingHTTPServer(("0.0.0.0", args.serve), Handler).serve_forever()


if __name__ == "__main__":
    main()
