"""Serve the store over HTTP with uvicorn: `tunemeter serve [--host H] [--port P]`."""

from __future__ import annotations

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from tunemeter import storage
from tunemeter.ops.management.firstrun import announce_when_live


class Command(BaseCommand):
    help = "Serve the store (ASGI, uvicorn) on http://127.0.0.1:8000 by default."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="server processes")

    def handle(self, *args, host: str, port: int, workers: int, **options) -> None:
        swept = storage.sweep_temp_files()
        if swept:
            self.stdout.write(f"removed {swept} temp files left by an earlier crash")
        self.stdout.write(f"starting the server on http://{host}:{port}/ …")
        self.stdout.write(f"data dir: {settings.DATA_DIR}")
        # The URL (and a first run's demo logins) once the port answers, last and boxed.
        announce_when_live(host=host, port=port, out=self.stdout._out)
        uvicorn.run(
            "tunemeter.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            log_config=None,  # the store's LOGGING: request ids, JSON lines, tokens cut
            proxy_headers=True,
            lifespan="off",
        )
