"""`cloud-images-graphql`: serve, emulate, export-schema, check."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
from pathlib import Path

from providers.registry import PROVIDERS

from . import logs, tracing
from . import settings as settings_module
from .settings import Settings, SettingsError

log = logging.getLogger("graphql_api")


def _configure_logging(settings: Settings, level: str | None = None) -> None:
    logs.configure(level or settings.log_level, settings.log_format)


def _settings() -> Settings:
    try:
        settings = settings_module.load()
        tracing.exporter_names(os.environ)  # checked here so a bad OTEL_* value is a clear error, not a traceback
        return settings
    except SettingsError as exc:
        print(f"cloud-images-graphql: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.demo:
        os.environ["CIG_DEMO"] = "1"  # workers read settings from the environment themselves
    settings = _settings()
    _configure_logging(settings)
    port = args.port or _free_port(args.host)  # --port 0: a free port, and the URL printed says which
    if settings.demo_mode:
        reason = "--demo given" if args.demo else "no provider credentials configured"
        log.info("demo mode (%s): serving built-in emulators of %s on loopback, signed with the documented "
                 "demo credentials", reason, ", ".join(spec.title for spec in PROVIDERS))
    log.info("GraphiQL: http://%s:%d/graphql", args.host, port)
    if tracing.exporter_names(os.environ):
        log.info("tracing on: spans go to %s", ", ".join(tracing.exporter_names(os.environ)))
    uvicorn.run(
        "graphql_api.app:create_app", factory=True, host=args.host, port=port, workers=args.workers,
        log_level=settings.log_level.lower(), access_log=False, lifespan="on",
        log_config=logs.logging_config(settings.log_level, settings.log_format),
    )
    return 0


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def emulate(args: argparse.Namespace) -> int:
    settings = _settings()
    _configure_logging(settings)
    spec = PROVIDERS.get(args.provider)
    spec.run_emulator(args.host, args.port, settings.section(spec.name))
    return 0


def export_schema(args: argparse.Namespace) -> int:
    from .schema import schema

    sdl = schema.as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


async def _check(settings: Settings) -> int:
    from providers.errors import ProviderError

    from .services import running

    failures = 0
    async with running(settings) as services:
        if services.demo:
            print("demo mode: no provider credentials configured; checking the embedded emulators")
        if not services.catalogs:
            print("no provider configured")
            return 1
        for provider, catalog in services.catalogs.items():
            try:
                print(f"{provider.name}: ok: {await catalog.probe()}")
            except ProviderError as exc:
                failures += 1
                print(f"{provider.name}: FAILED: {type(exc).__name__} {exc.code or ''} status={exc.status} "
                      f"requestId={exc.request_id}")
    return 1 if failures else 0


def check(args: argparse.Namespace) -> int:
    settings = _settings()
    _configure_logging(settings, "WARNING")
    return asyncio.run(_check(settings))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cloud-images-graphql", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the GraphQL service (demo mode without credentials)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--demo", action="store_true", help="use the built-in emulators even if credentials are set")
    s.set_defaults(func=serve)
    e = sub.add_parser("emulate", help="run one provider emulator standalone")
    e.add_argument("provider", choices=[name.value for name in PROVIDERS.names])
    e.add_argument("--host", default="127.0.0.1")
    e.add_argument("--port", type=int, default=0, help="0 picks a free port")
    e.set_defaults(func=emulate)
    x = sub.add_parser("export-schema", help="print the GraphQL SDL (the federation subgraph schema)")
    x.add_argument("--output", default="schema.graphql", help="file to write, or - for standard output")
    x.set_defaults(func=export_schema)
    c = sub.add_parser("check", help="validate configuration and make one cheap signed call per provider")
    c.set_defaults(func=check)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
