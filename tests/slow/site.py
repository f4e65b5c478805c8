"""Set up and check a throw-away store on its own data dir, in its own process.

`python -m tests.slow.site setup|check|sqlite` with TUNEMETER_DATA_DIR (and, for
PostgreSQL, DATABASE_URL) set: the store under test is a real `tunemeter serve`,
so its fixtures and invariants are reached through Django configured for that store,
not the test database.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

BUYERS = 4
CSRF = "c" * 32


def setup(out: Path) -> None:
    """Migrate, import three tiny tracks, license them, make buyers with sessions and links."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from tests.audio import write_audio, write_tags
    from tests.shop.factories import customer, fund, license_release
    from tunemeter.catalog.importing.pipeline import import_run
    from tunemeter.catalog.models import Release, Track
    from tunemeter.delivery.links import track_link
    from tunemeter.pricing.services import quote_create
    from tunemeter.shop.services import order_place

    call_command("migrate", verbosity=0)
    root = out.parent / "masters" / "Crash Artist" / "Loop"
    for i in (1, 2, 3):
        path = write_audio(root / f"0{i}.flac", seconds=1.0, seed=i)
        write_tags(
            path,
            {
                "title": f"Loop {i}",
                "artist": "Crash Artist",
                "album": "Loop",
                "tracknumber": str(i),
            },
        )
    import_run(root=out.parent / "masters", workers=1)
    license_release(Release.objects.get())
    tracks = list(Track.objects.order_by("position"))
    buyers = []
    for _ in range(BUYERS):
        user = customer()
        fund(user, 1_000)
        owned = order_place(
            customer=user,
            quote=quote_create(customer=user, items=[(tracks[0], "wav")]),
            idempotency_key="setup",
        )
        link = track_link(owned.entitlements.get(), owner=user)
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        buyers.append({"id": user.pk, "session": session.session_key, "link": link})
    assert get_user_model().objects.count() == BUYERS
    release = Release.objects.get()
    out.write_text(
        json.dumps({"buyers": buyers, "tracks": [t.pk for t in tracks], "release": release.pk})
    )


def check(acks_path: Path) -> list[str]:
    """Return every broken invariant: ledger, acknowledged orders and deposits, entitlements."""
    from django.db.models import Count

    from tunemeter.ledger.models import Transfer
    from tunemeter.ledger.selectors import ledger_verify
    from tunemeter.royalties.models import RoyaltyLine
    from tunemeter.shop.models import Order

    problems = list(ledger_verify())
    acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()]
    for ack in acks:
        if ack["kind"] == "order":
            found = Order.objects.filter(customer_id=ack["customer"], idempotency_key=ack["key"])
            if found.count() != 1 or found.get().pk != ack["order"]:
                problems.append(f"acknowledged order {ack} is not there exactly once")
        elif ack["kind"] == "deposit":
            transfer_id = f"deposit:demo:{ack['customer']}:{ack['key']}"
            if not Transfer.objects.filter(pk=transfer_id).exists():
                problems.append(f"acknowledged deposit {ack} has no transfer")
    for order in Order.objects.annotate(n=Count("entitlements")):
        if order.total_minor > 0 and order.n == 0:
            problems.append(f"order {order.pk} charged {order.total_minor} with no entitlement")
        if order.total_minor > 0 and not RoyaltyLine.objects.filter(order_id=order.pk).exists():
            problems.append(f"order {order.pk} has no royalty line")
        if order.transfer_id and not Transfer.objects.filter(pk=order.transfer_id).exists():
            problems.append(f"order {order.pk} has no payment transfer")
    return problems


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tunemeter.settings")
    import django

    django.setup()
    action, path = sys.argv[1], Path(sys.argv[2])
    if action == "setup":
        setup(path)
    elif action == "check":
        from django.core.management import call_command

        try:
            call_command("ledger", "verify")  # the real command: exits 1 or 2 on trouble
        except SystemExit as exc:
            if exc.code:
                print(f"ledger verify exited {exc.code}")
                sys.exit(1)
        problems = check(path)
        print("\n".join(problems) or "ok")
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
