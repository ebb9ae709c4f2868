"""`python -m sandbox serve | provision | faults` (see README.md)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from typing import Any

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox import seed
from sandbox.app import create_app
from sandbox.processing import Processor
from sandbox.runtime import FAULT_KINDS, MALFORMED_SHAPES
from sandbox.storage import Storage

log = logging.getLogger("sandbox")


class _QuietHandler(WSGIRequestHandler):
    """Logs method and path only: query strings carry external_data and auth codes."""

    # Keep-alive, as TikTok's servers offer it: clients reuse connections instead of one per call.
    protocol_version = "HTTP/1.1"

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.debug("%s %s %s", self.command, path, code)


def cmd_serve(args: argparse.Namespace) -> int:
    storage = Storage(args.data)
    seed.seed_demo(storage)
    if storage.one("SELECT 1 FROM apps") is None:
        seed.provision_app(storage, **seed.DEFAULT_APP)
    app = create_app(storage, allow_http_images=args.allow_http_images)
    worker = app.worker = Processor(app)
    worker.start()
    server = make_server(args.host, args.port, app, threaded=True, request_handler=_QuietHandler)

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    log.info("TikTok sandbox listening on http://%s:%s (data: %s)", args.host, server.server_port, args.data)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
        server.server_close()
        storage.close()
    return 0


def cmd_provision(args: argparse.Namespace) -> int:
    storage = Storage(args.data)
    seed.seed_demo(storage)
    seed.provision_app(
        storage,
        app_id=args.app_id,
        secret=args.secret,
        external_data_key=args.external_data_key,
        business_platform=args.business_platform,
        platform_name=args.platform_name or args.business_platform,
        redirect_uri_prefix=args.redirect_uri_prefix,
    )
    storage.close()
    print(f"sandbox app {args.app_id} ({args.business_platform}) provisioned in {args.data}")
    return 0


def _call(
    args: argparse.Namespace,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    resp = requests.request(
        method, args.url.rstrip("/") + "/_sandbox/" + path, json=body, params=params, timeout=60
    )
    try:
        print(json.dumps(resp.json(), indent=2, ensure_ascii=False))
    except ValueError:
        print(resp.text)
    return 0 if resp.ok else 1


# What each `faults` action does (shown by `python -m sandbox faults --help`).
FAULT_ACTIONS = {
    "add": "add a fault rule (--kind, --endpoint, --rate, --count, --code, --message, --seconds, --shape)",
    "list": "show the fault rules in force",
    "clear": "remove every fault rule",
    "revoke": "revoke access tokens (--token-fp one token, or --adv-id every token of an ad account)",
    "suspend": "suspend an ad account (--adv-id, --reason): its API calls fail as TikTok's do",
    "unsuspend": "lift the suspension of an ad account (--adv-id)",
    "journal": "the requests the sandbox received (filters: --endpoint, --catalog-id, --code, --since)",
    "config": "show the sandbox's settings, or change some (--json '{...}')",
    "tick": "run the background work due now (feed processing, product review) without waiting",
    "reset": "back to the demo seed: every rule, setting, account, catalog and token made since is erased "
    "(provisioned apps stay)",
}


def cmd_faults(args: argparse.Namespace) -> int:
    action = args.action
    if action == "add":
        spec = {
            k: v
            for k, v in (
                ("kind", args.kind),
                ("endpoint", args.endpoint),
                ("rate", args.rate),
                ("count", args.count),
                ("code", args.code),
                ("message", args.message),
                ("seconds", args.seconds),
                ("shape", args.shape),
            )
            if v is not None
        }
        return _call(args, "POST", "faults", spec)
    if action == "list":
        return _call(args, "GET", "faults")
    if action == "clear":
        return _call(args, "DELETE", "faults")
    if action == "revoke":
        return _call(
            args,
            "POST",
            "revoke",
            {k: v for k, v in (("token_fp", args.token_fp), ("adv_id", args.adv_id)) if v},
        )
    if action == "suspend":
        return _call(args, "POST", "suspend", {"adv_id": args.adv_id, "reason": args.reason})
    if action == "unsuspend":
        return _call(args, "POST", "unsuspend", {"adv_id": args.adv_id})
    if action == "journal":
        params = {
            k: v
            for k, v in (
                ("endpoint", args.endpoint),
                ("catalog_id", args.catalog_id),
                ("code", args.code),
                ("since", args.since),
            )
            if v is not None
        }
        return _call(args, "GET", "journal", params=params)
    if action == "config":
        return _call(args, "POST", "config", json.loads(args.json) if args.json else {})
    if action in ("tick", "reset"):
        return _call(args, "POST", action)
    raise SystemExit(f"unknown action {action}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="TikTok Business API sandbox")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the sandbox")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--data", default="var/sandbox.sqlite3")
    serve.add_argument("--allow-http-images", action="store_true", help="accept http:// image URLs")
    serve.add_argument("-v", "--verbose", action="store_true")
    serve.set_defaults(func=cmd_serve)

    prov = sub.add_parser("provision", help="create or update an app (idempotent)")
    prov.add_argument("--data", default="var/sandbox.sqlite3")
    prov.add_argument("--app-id", default=seed.DEFAULT_APP["app_id"])
    prov.add_argument("--secret", default=seed.DEFAULT_APP["secret"])
    prov.add_argument("--external-data-key", default=seed.DEFAULT_APP["external_data_key"])
    prov.add_argument("--business-platform", default=seed.DEFAULT_APP["business_platform"])
    prov.add_argument("--platform-name", default="")
    prov.add_argument("--redirect-uri-prefix", default="")
    prov.set_defaults(func=cmd_provision)

    faults = sub.add_parser(
        "faults",
        help="fault injection and journal (admin API client)",
        description="Drive a running sandbox's admin API (/_sandbox/, loopback only).",
        epilog="actions:\n" + "\n".join(f"  {name:<10} {what}" for name, what in FAULT_ACTIONS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    faults.add_argument("--url", default="http://127.0.0.1:8765", help="the sandbox (default %(default)s)")
    faults.add_argument(
        "action", choices=list(FAULT_ACTIONS), metavar="action", help="one of the actions listed below"
    )
    faults.add_argument(
        "--kind",
        choices=FAULT_KINDS,
        help="for `add`: error (envelope with --code), http500 (nothing processed), http429 (nothing "
        "processed; HTTP 429 with Retry-After: --seconds, default 1), throttle (40100), "
        "latency (sleep --seconds, then process), timeout (process, then answer after --seconds), "
        "malformed (process, then answer HTTP 200 with a body that is not the envelope: --shape)",
    )
    faults.add_argument("--endpoint", help="substring of the endpoint, e.g. catalog/product/upload")
    faults.add_argument("--rate", type=float, help="probability 0..1 that the rule fires (default 1)")
    faults.add_argument("--count", type=int, help="how many times the rule fires (default: always)")
    faults.add_argument(
        "--code",
        type=int,
        help="`add`: the envelope code of an error fault (default 50002); `journal`: filter",
    )
    faults.add_argument("--message", help="of an `error` fault: the envelope's message")
    faults.add_argument("--seconds", type=float, help="of a `latency`, `timeout` or `http429` fault")
    faults.add_argument(
        "--shape",
        choices=MALFORMED_SHAPES,
        help="of a `malformed` fault: html (an HTML error page, text/html), truncated (the real envelope cut "
        "in half), empty (no body), wrong_type (the JSON `[1,2,3]`)",
    )
    faults.add_argument("--token-fp", help="`revoke`: the fingerprint of the access token to revoke")
    faults.add_argument("--adv-id", help="`revoke`, `suspend`, `unsuspend`: the ad account")
    faults.add_argument("--reason", help="`suspend`: the reason TikTok reports for the suspension")
    faults.add_argument("--catalog-id", help="`journal`: only calls for this catalog")
    faults.add_argument("--since", type=float, help="`journal`: only calls after this Unix time")
    faults.add_argument("--json", help="settings for `config`, as JSON")
    faults.set_defaults(func=cmd_faults)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
