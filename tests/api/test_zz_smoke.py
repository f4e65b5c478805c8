import json
import pytest
from tests.api.v1_helpers import *
from tests.shop.factories import tracks
pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")

def test_smoke():
    t = tracks(2)
    user, c = buyer_with_token()
    r = c.get("/api/v1/formats"); print(r.status_code, r.content[:200])
    r = c.get(f"/api/v1/tracks/{t[0].pk}"); print(r.status_code, r.content[:600])
    r = c.get(f"/api/v1/releases/{t[0].release_id}"); print(r.status_code, r.content[:300])
    r = c.get("/api/v1/releases"); print(r.status_code, r.content[:300])
    r = c.get("/api/v1/tracks?limit=1"); print(r.status_code, r.content[:300])
    r = c.get("/api/v1/search?q=T1"); print(r.status_code, r.content[:300])
    r = post(c, "/api/v1/deposits", {"amount_minor": 100}, key="a"); print(r.status_code, r.content)
    r = post(c, "/api/v1/deposits", {"amount_minor": True}, key="b"); print(r.status_code, r.content)
    r = post(c, "/api/v1/quotes", {"items": [{"track_id": t[0].pk, "format": "wav"}]}); print(r.status_code, r.content[:300])
    q = r.json()["id"]
    r = post(c, "/api/v1/orders", {"quote_id": q}, key="o"); print(r.status_code, r.content[:300])
    r = post(c, "/api/v1/orders", {"quote_id": q}, key="o"); print(r.status_code, r.content[:300])
    r = c.get("/api/v1/library"); print(r.status_code, r.content[:400])
    r = c.get("/api/v1/nope"); print(r.status_code, r.content[:400])
    r = c.delete("/api/v1/formats"); print(r.status_code, r.content[:400])
    r = caller().get("/api/v1/balance"); print(r.status_code, r.content[:400])
    r = c.get("/api/v1/holders"); print(r.status_code, r.content[:400])
    r = c.get("/api/v1/docs"); print(r.status_code, r.content[:1400], r.get("Content-Security-Policy"))
    r = c.get("/api/v1/openapi.json"); print(r.status_code, len(r.content))
