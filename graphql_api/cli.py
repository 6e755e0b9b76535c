"""`cloud-images-graphql`: serve, emulate, export-schema, check, purge."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import socket
import sys
import tempfile
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

from aiohttp import web

from providers.registry import PROVIDERS
from providers.spec import ProviderSpec

from . import logs, tracing
from . import settings as settings_module
from .metrics import MULTIPROCESS_DIRECTORY
from .settings import Settings, SettingsError

log = logging.getLogger("graphql_api")

PROG = "cloud-images-graphql"
# What `serve --reload` watches: the service's own packages (not a virtualenv below the working directory).
SOURCE_DIRS = [str(Path(__file__).resolve().parents[1] / package) for package in ("graphql_api", "resolvers",
                                                                                   "providers")]


def _configure_logging(settings: Settings, level: str | None = None) -> None:
    logs.configure(level or settings.log_level, settings.log_format)


def _settings() -> Settings:
    """The validated settings; a bad one ends the command with its one-line message and status 2."""
    try:
        settings = settings_module.load()
        tracing.exporter_names(os.environ)  # checked here so a bad OTEL_* value is a clear error, not a traceback
    except SettingsError as exc:
        print(f"{PROG}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    for warning in settings.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    return settings


def http_stack() -> tuple[str, str]:
    """uvicorn's event loop and HTTP parser: uvloop and httptools (about 3x the requests of asyncio and
    h11), or the pure-Python pair where they cannot be imported (e.g. no wheel for the platform)."""
    try:
        import uvloop  # noqa: F401
    except ImportError:
        loop = "asyncio"
    else:
        loop = "uvloop"
    try:
        import httptools  # noqa: F401
    except ImportError:
        http = "h11"
    else:
        http = "httptools"
    return loop, http


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.reload and args.workers > 1:
        print(f"{PROG}: --reload runs one worker; drop --workers {args.workers}", file=sys.stderr)
        return 2
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
    loop, http = http_stack()
    log.info("HTTP stack: uvicorn, event loop %s, HTTP parser %s", loop, http)
    with ExitStack() as stack:
        if args.workers > 1:
            # Each worker is its own process: without a shared directory /metrics would show whichever
            # worker answered. A directory per run, so totals start at zero and never mix runs.
            directory = tempfile.mkdtemp(prefix="cig-metrics-")
            stack.callback(shutil.rmtree, directory, ignore_errors=True)
            os.environ[MULTIPROCESS_DIRECTORY] = directory
        uvicorn.run(
            "graphql_api.app:create_app", factory=True, host=args.host, port=port, workers=args.workers,
            reload=args.reload, reload_dirs=SOURCE_DIRS if args.reload else None,
            log_level=settings.log_level.lower(), access_log=False, lifespan="on", loop=loop, http=http,
            log_config=logs.logging_config(settings.log_level, settings.log_format),
        )
    return 0


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


async def _emulate(spec: ProviderSpec, section: Any, host: str, port: int) -> None:
    runner = web.AppRunner(spec.standalone_emulator(section), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        url = f"http://{host}:{runner.addresses[0][1]}"
        log.info("%s emulator listening on %s (fault injection: PUT %s/_emulator/faults, calls: GET "
                 "%s/_emulator/calls)", spec.title, url, url, url)
        block = "\n".join(f"export {name}={value}" for name, value in spec.emulator_environment(section, url).items())
        print(f"# point the service at this emulator:\n{block}\n", flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def emulate(args: argparse.Namespace) -> int:
    settings = _settings()
    _configure_logging(settings)
    spec = PROVIDERS.get(args.provider)
    with suppress(KeyboardInterrupt):
        asyncio.run(_emulate(spec, settings.section(spec.name), args.host, args.port))
    return 0


def export_schema(args: argparse.Namespace) -> int:
    from .schema import client_sdl, schema

    for output, sdl in ((args.output, schema.as_str() + "\n"), (args.client_output, client_sdl())):
        if output == "-":
            sys.stdout.write(sdl)
        elif output:
            Path(output).write_text(sdl)
            print(f"wrote {output}", file=sys.stderr)
    return 0


async def _check(settings: Settings) -> int:
    from providers.errors import ProviderError

    from .services import running

    failures = 0
    if settings.demo_mode:
        if settings.demo:
            print("demo mode: forced by CIG_DEMO; checking the embedded emulators")
        elif settings.credential_hints:
            print(f"demo mode: no provider credentials were read, although {'; '.join(settings.credential_hints)} "
                  "suggests they were meant (see the warnings above); checking the embedded emulators")
            failures += 1
        else:
            print("demo mode: no provider credentials configured; checking the embedded emulators")
    async with running(settings) as services:
        if not services.catalogs:
            print("no provider configured")
            return 1
        for provider, catalog in services.catalogs.items():
            spec = PROVIDERS.get(provider)
            section = services.settings.section(provider)
            print(f"{provider.name}: endpoint {spec.endpoint_of(section)}")
            try:
                print(f"{provider.name}: ok: {await catalog.probe()}")
            except ProviderError as exc:
                failures += 1
                print(f"{provider.name}: FAILED: {exc.action} in {exc.location or 'no location (a global call)'}: "
                      f"{type(exc).__name__}, provider code {exc.code or '-'}, HTTP status {exc.status or '-'}, "
                      f"requestId {exc.request_id or '-'}: {exc.message or 'no message'}")
                for hint in spec.diagnose(exc, section):
                    print(f"{provider.name}: hint: {hint}")
    return 1 if failures else 0


def check(args: argparse.Namespace) -> int:
    settings = _settings()
    _configure_logging(settings, "WARNING")
    return asyncio.run(_check(settings))


async def _purge(url: str, prefix: str, exclude: str | None, what: str) -> None:
    from .response_store import purge_redis

    if not url.startswith("redis://"):
        print(f"{what}: {url.split('://')[0]}:// lives inside each serve process; restarting it drops it")
        return
    print(f"{what}: deleted {await purge_redis(url, [prefix], exclude=exclude)} entries")


def purge(args: argparse.Namespace) -> int:
    from redis.exceptions import RedisError

    from providers.cache import KEY_VERSION

    from .response_store import REDIS_PREFIX

    settings = _settings()
    _configure_logging(settings, "WARNING")
    both = not (args.responses or args.providers)
    try:
        if args.responses or both:
            url = settings.response_cache.url or settings.cache_url
            asyncio.run(_purge(url, REDIS_PREFIX, None, "response cache"))
        if args.providers or both:
            asyncio.run(_purge(settings.cache_url, f"cig:{KEY_VERSION}:", REDIS_PREFIX, "provider cache"))
    except (OSError, RedisError) as exc:  # the class only: a message could carry the URL and its password
        print(f"{PROG}: purge failed: {type(exc).__name__}", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the GraphQL service (demo mode without credentials)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1, help="worker processes (/metrics adds up all of them)")
    s.add_argument("--reload", action="store_true", help="development: restart when a source file changes")
    s.add_argument("--demo", action="store_true", help="use the built-in emulators even if credentials are set")
    s.set_defaults(func=serve)
    e = sub.add_parser("emulate", help="run one provider emulator standalone")
    e.add_argument("provider", choices=[name.value for name in PROVIDERS.names])
    e.add_argument("--host", default="127.0.0.1")
    e.add_argument("--port", type=int, default=0, help="0 picks a free port")
    e.set_defaults(func=emulate)
    x = sub.add_parser("export-schema", help="write the GraphQL SDL: the federation subgraph schema and the "
                       "client schema")
    x.add_argument("--output", default="schema.graphql", help="subgraph SDL file to write, or - for standard output")
    x.add_argument("--client-output", default="schema.client.graphql",
                   help="client SDL file (no federation) to write, - for standard output, or empty to skip")
    x.set_defaults(func=export_schema)
    c = sub.add_parser("check", help="validate configuration and make one cheap signed call per provider")
    c.set_defaults(func=check)
    g = sub.add_parser("purge", help="drop every entry of the shared (Redis) caches now; both without options")
    g.add_argument("--responses", action="store_true", help="only the response cache")
    g.add_argument("--providers", action="store_true", help="only the provider cache")
    g.set_defaults(func=purge)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except OSError as exc:  # e.g. the port is taken: one line, not a traceback
        print(f"{PROG}: {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
