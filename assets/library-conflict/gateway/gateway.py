"""gateway: the API gateway in front of the staff portal's new services.

Verifies staff tokens against the key set (JWKS) the login service publishes. Written in 2026
against PyJWT 2, which reads key sets with ``jwt.PyJWKSet``.
"""

import argparse
import http.server
import json
import urllib.parse

import jwt

KEY_SET = "/etc/portal/jwks.json"


def load_keys():
    with open(KEY_SET) as handle:
        return jwt.PyJWKSet.from_dict(json.load(handle))


def verify(token, keys):
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid].key, algorithms=["HS256"], issuer="login")
    return claims["sub"], kid


class Handler(http.server.BaseHTTPRequestHandler):
    keys = None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/health":
            self.reply(200, {"status": "ok", "keys": [k.key_id for k in self.keys.keys]})
        elif url.path == "/verify":
            token = urllib.parse.parse_qs(url.query).get("token", [""])[0]
            try:
                user, kid = verify(token, self.keys)
            except (jwt.PyJWTError, KeyError) as exc:
                self.reply(401, {"error": str(exc)})
                return
            self.reply(200, {"user": user, "kid": kid})
        else:
            self.send_error(404)

    def reply(self, status, data):
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="load the key set and exit")
    mode.add_argument("--verify", metavar="TOKEN", help="verify one token and exit")
    mode.add_argument("--serve", type=int, metavar="PORT", help="serve GET /verify?token=... and /health")
    args = parser.parse_args()
    keys = load_keys()
    if args.check:
        print(f"gateway: {len(keys.keys)} key(s) loaded: {', '.join(k.key_id for k in keys.keys)}")
    elif args.verify:
        user, kid = verify(args.verify, keys)
        print(f"gateway: token valid for {user} (signed with {kid})")
    else:
        Handler.keys = keys
        print(f"gateway listening on :{args.serve} (PyJWT {jwt.__version__})", flush=True)
        http.server.ThreadingHTTPServer(("0.0.0.0", args.serve), Handler).serve_forever()


if __name__ == "__main__":
    main()
