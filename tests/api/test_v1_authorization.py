"""Test who may call what on /api/v1: every operation of the schema × six kinds of caller.

Callers: anonymous, another customer, the owner (the buyer, or the holder's own user), a
holder of another label, the owner's revoked token, the owner's token lacking the scope.
Each expected status is asserted, and every operation in the OpenAPI schema must appear.
"""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client

from tests.api.v1_helpers import assert_error_shape
from tests.shop.factories import customer, fund, tracks
from tunemeter.api.v1.app import api
from tunemeter.customers.models import ApiToken
from tunemeter.customers.tokens import token_create, token_revoke
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import Deal
from tunemeter.shop.models import GiftCode
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")

ROLES = ("anonymous", "other_customer", "owner", "other_holder", "revoked", "lacking_scope")
_serial = itertools.count()

# Expected status per role, by kind of operation.
PUBLIC = dict(anonymous=200, other_customer=200, owner=200, other_holder=200, revoked=401,
              lacking_scope=200)  # fmt: skip
MINE = dict(anonymous=401, other_customer=200, owner=200, other_holder=200, revoked=401,
            lacking_scope=403)  # fmt: skip
OWN = dict(anonymous=401, other_customer=404, owner=200, other_holder=404, revoked=401,
           lacking_scope=403)  # fmt: skip


def _with(base: dict, **changes) -> dict:
    return {**base, **changes}


@pytest.fixture
def world():
    """A buyer with an order, two labels each with a user, tokens for every role."""
    t1, t2 = tracks(2)
    (other_track,) = tracks(1)
    label_a = Deal.objects.get(release=t1.release).licensor
    label_b = Deal.objects.get(release=other_track.release).licensor
    buyer, stranger = customer(), customer()
    holder_a, holder_b = customer(), customer()
    label_a.users.add(holder_a)
    label_b.users.add(holder_b)
    fund(buyer, 1000)
    order = order_place(
        customer=buyer, quote=quote_create(customer=buyer, items=[(t1, "wav")]), idempotency_key="o"
    )
    open_quote = quote_create(customer=buyer, items=[(t2, "wav")])

    def tok(user, *scopes):
        return token_create(user=user, name="t", scopes=list(scopes)).secret

    revoked_buyer, revoked_holder = tok(buyer, "read", "purchase"), tok(holder_a, "holder")
    for token in ApiToken.objects.filter(user__in=[buyer, holder_a]):
        token_revoke(user=token.user, token_id=token.pk)
    everything = ("read", "purchase", "holder")
    return {
        "track": t1,
        "release": t1.release,
        "artist": t1.artist,
        "order": order,
        "quote": open_quote,
        "label_a": label_a,
        "tokens": {
            "buyer": {
                "anonymous": None,
                "other_customer": tok(stranger, *everything),
                "owner": tok(buyer, *everything),
                "other_holder": tok(holder_b, *everything),
                "revoked": revoked_buyer,
            },
            "holder": {
                "anonymous": None,
                "other_customer": tok(stranger, *everything),
                "owner": tok(holder_a, *everything),
                "other_holder": tok(holder_b, *everything),
                "revoked": revoked_holder,
            },
            # The owner's token without the operation's scope.
            "lacking": {
                "read": tok(buyer, "purchase"),
                "purchase": tok(buyer, "read"),
                "holder": tok(holder_a, "read", "purchase"),
                "public": tok(buyer, "holder"),
            },
        },
    }


def operations(w) -> list[tuple[str, str, str, str, dict | None, dict]]:
    """Return (method, schema path, url, scope, body, expected) for every operation."""
    t, r, h = w["track"], w["release"], w["label_a"].pk
    q, o = w["quote"].pk, w["order"].pk
    hp = "/api/v1/holders/{holder_id}"
    return [
        ("get", "/api/v1/formats", "/api/v1/formats", "public", None, PUBLIC),
        ("get", "/api/v1/genres", "/api/v1/genres", "public", None, PUBLIC),
        ("get", "/api/v1/search", "/api/v1/search?q=T1", "public", None, PUBLIC),
        ("get", "/api/v1/artists", "/api/v1/artists", "public", None, PUBLIC),
        ("get", "/api/v1/artists/{artist_id}", f"/api/v1/artists/{w['artist'].pk}", "public",
         None, PUBLIC),
        ("get", "/api/v1/releases", "/api/v1/releases", "public", None, PUBLIC),
        ("get", "/api/v1/releases/{release_id}", f"/api/v1/releases/{r.pk}", "public", None,
         PUBLIC),
        ("get", "/api/v1/tracks", "/api/v1/tracks", "public", None, PUBLIC),
        ("get", "/api/v1/tracks/{track_id}", f"/api/v1/tracks/{t.pk}", "public", None, PUBLIC),
        ("post", "/api/v1/quotes", "/api/v1/quotes", "purchase",
         {"items": [{"track_id": t.pk, "format": "mp3-320"}]}, _with(MINE, owner=201,
         other_customer=201, other_holder=201)),
        ("get", "/api/v1/quotes/{quote_id}", f"/api/v1/quotes/{q}", "read", None, OWN),
        ("post", "/api/v1/orders", "/api/v1/orders", "purchase", {"quote_id": str(q)},
         _with(OWN, owner=201)),
        ("get", "/api/v1/orders", "/api/v1/orders", "read", None, MINE),
        ("get", "/api/v1/orders/{order_id}", f"/api/v1/orders/{o}", "read", None, OWN),
        ("get", "/api/v1/balance", "/api/v1/balance", "read", None, MINE),
        ("post", "/api/v1/deposits", "/api/v1/deposits", "purchase", {"amount_minor": 5},
         _with(MINE, owner=201, other_customer=201, other_holder=201)),
        ("post", "/api/v1/giftcodes/redeem", "/api/v1/giftcodes/redeem", "purchase", "GIFT", MINE),
        ("get", "/api/v1/library", "/api/v1/library", "read", None, MINE),
        ("get", "/api/v1/library/owned", f"/api/v1/library/owned?track_id={t.pk}", "read", None,
         MINE),
        ("get", "/api/v1/holders", "/api/v1/holders", "holder", None, MINE),
        ("get", hp + "/releases", f"/api/v1/holders/{h}/releases", "holder", None, OWN),
        ("get", hp + "/deals", f"/api/v1/holders/{h}/deals", "holder", None, OWN),
        ("get", hp + "/sales", f"/api/v1/holders/{h}/sales?by=territory", "holder", None, OWN),
        ("get", hp + "/statements", f"/api/v1/holders/{h}/statements", "holder", None, OWN),
        ("get", hp + "/statements/{period}", f"/api/v1/holders/{h}/statements/2026", "holder",
         None, OWN),
        ("get", hp + "/statements/{period}/csv", f"/api/v1/holders/{h}/statements/2026/csv",
         "holder", None, OWN),
        ("get", hp + "/statements/{period}/dsr", f"/api/v1/holders/{h}/statements/2026/dsr",
         "holder", None, OWN),
        ("get", hp + "/escrow", f"/api/v1/holders/{h}/escrow", "holder", None, OWN),
    ]  # fmt: skip


def _call(method: str, url: str, token: str | None, body) -> object:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = Client(headers=headers)
    if method == "get":
        return client.get(url)
    if body == "GIFT":
        code = f"GIFT{next(_serial)}"
        GiftCode.objects.create(code=code, amount_minor=10, currency="USD")
        body = {"code": code}
    return client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": f"key-{next(_serial)}"},
    )


def test_every_operation_for_every_caller(world):
    ops = operations(world)
    schema = api.get_openapi_schema()
    declared = {(m, p) for p, item in schema["paths"].items() for m in item}
    assert declared == {(m, p) for m, p, *_ in ops}, "the matrix must cover every operation"
    failures = []
    for method, path, url, scope, body, expected in ops:
        group = "holder" if scope == "holder" else "buyer"
        for role in ROLES:
            if role == "lacking_scope":
                token = world["tokens"]["lacking"][scope]
            else:
                token = world["tokens"][group][role]
            response = _call(method, url, token, body)
            if response.status_code != expected[role]:
                failures.append((method, path, role, response.status_code, expected[role]))
            elif response.status_code >= 400:
                assert_error_shape(response, response.status_code)
    assert failures == []


def test_a_holder_sees_only_their_own_labels(world):
    owner = world["tokens"]["holder"]["owner"]
    listed = Client(headers={"Authorization": f"Bearer {owner}"}).get("/api/v1/holders").json()
    assert [h["id"] for h in listed] == [world["label_a"].pk]
    releases = Client(headers={"Authorization": f"Bearer {owner}"}).get(
        f"/api/v1/holders/{world['label_a'].pk}/releases"
    )
    assert [r["id"] for r in releases.json()] == [world["release"].pk]


def test_sessions_work_with_csrf():
    """A signed-in browser uses the API too; its unsafe requests need the CSRF token."""
    user = customer()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get("/api/v1/balance").status_code == 200
    no_csrf = strict.post(
        "/api/v1/deposits", json.dumps({"amount_minor": 5}), content_type="application/json",
        headers={"Idempotency-Key": "s1"},
    )  # fmt: skip
    assert_error_shape(no_csrf, 403, "csrf")
    strict.get("/account/")  # sets the CSRF cookie
    csrf = strict.cookies["csrftoken"].value
    ok = strict.post(
        "/api/v1/deposits", json.dumps({"amount_minor": 5}), content_type="application/json",
        headers={"Idempotency-Key": "s2", "X-CSRFToken": csrf},
    )  # fmt: skip
    assert ok.status_code == 201
