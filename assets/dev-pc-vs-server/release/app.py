"""menu: today's menu of a ramen shop, as JSON for the shop's tablet and website.

``--check`` loads the menu and exits; ``--serve`` answers ``GET /menu`` on $MENU_PORT.
"""

import argparse
import http.server
import json
import os


def load_menu():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "menu.json")
    with open(os.environ.get("MENU_FILE", default), encoding="utf-8") as handle:
        return json.load(handle)


class Handler(http.server.BaseHTTPRequestHandler):
    menu = {}

    def do_GET(self):
        if self.path != "/menu":
            self.send_error(404)
            return
        body = json.dumps(self.menu, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="load the menu and exit")
    mode.add_argument("--serve", action="store_true", help="serve GET /menu")
    args = parser.parse_args()
    menu = load_menu()
    print(f"menu: {len(menu['dishes'])} dishes for {menu['shop']}, ready", flush=True)
    if args.serve:
        Handler.menu = menu
        port = int(os.environ.get("MENU_PORT", "8080"))
        http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
