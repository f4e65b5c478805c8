"""Run the `tunemeter` command: the store's own commands plus Django's management commands."""

from __future__ import annotations

import os
import sys

# The store's own commands, shown first in `tunemeter --help`.
COMMANDS = {
    "serve": "serve the store over HTTP (ASGI, uvicorn)",
    "worker": "run background jobs (Celery; needs REDIS_URL or CELERY_BROKER_URL)",
    "backup": "back up the database and every stored object: tunemeter backup DEST",
    "restore": "restore a backup and verify every object: tunemeter restore SRC --yes",
    "import": "import lossless masters from a folder: tunemeter import PATH [--dry-run]",
    "demo": "generate the demo catalog (original music) and import it",
    "reindex": "rebuild the catalog search index",
    "migrate": "create or update the database tables",
    "createsuperuser": "create a staff user for the admin at /admin/",
    "changepassword": "change a user's password",
    "check": "check the configuration",
}


def _help() -> str:
    lines = ["usage: tunemeter COMMAND [options]", "", "Commands:"]
    width = max(map(len, COMMANDS))
    lines += [f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()]
    lines += [
        "",
        "Every Django management command works too; `tunemeter help --all` lists them,",
        "and `tunemeter COMMAND --help` explains one.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Dispatch to a management command, printing the store's commands for --help."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"} or args == ["help"]:
        print(_help())
        return
    if args[0] == "help" and args[1:] == ["--all"]:
        args = ["help"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tunemeter.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tunemeter", *args])


if __name__ == "__main__":
    main()
