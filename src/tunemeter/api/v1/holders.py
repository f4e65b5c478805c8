"""Route a rights holder's data: releases, deals, sales, statements (CSV, DSR), escrow.

Only the holders the caller is attached to (staff: every holder) exist here: any other
holder id is 404, as in the portal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from ninja import Path, Query, Router

from tunemeter.api.v1.auth import scoped
from tunemeter.api.v1.catalog import release_brief
from tunemeter.api.v1.errors import ApiError
from tunemeter.api.v1.schemas import (
    DealOut,
    ErrorOut,
    EscrowOut,
    HolderOut,
    ReleaseBrief,
    SalesOut,
    StatementOut,
)
from tunemeter.httputil import attachment, file_chunks
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties import selectors
from tunemeter.royalties.exports import statement_csv_stream, statement_file_name
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.reports import dsr_for_holder
from tunemeter.royalties.statements import statement_summaries

router = Router(tags=["holders"], auth=scoped("holder"))

ERRORS = {code: ErrorOut for code in (401, 403, 404, 422, 429)}
HolderId = Path(..., ge=1, le=2**63 - 1)
PeriodName = Path(..., min_length=4, max_length=7, description="2026-11, 2026-Q4 or 2026")
MAX_SALES_DAYS = 366 * 3
START = Query(None, description="first day; default 30 days before end")
END = Query(None, description="last day, included; default today")


def _holder(request, holder_id: int) -> RightsHolder:
    try:
        return selectors.holder_for(user=request.auth, holder_id=holder_id)
    except RightsHolder.DoesNotExist:
        raise ApiError(404, "no such rights holder") from None


def _period(name: str):
    try:
        return period_parse(name)
    except ValueError:
        raise ApiError(422, "a period is YYYY-MM, YYYY-Qn or YYYY", code="invalid_period") from None


@router.get("/holders", response={200: list[HolderOut], **ERRORS}, summary="Your rights holders")
def holders_list(request):
    return [
        {"id": h.pk, "name": h.name, "kind": h.kind, "currency": h.currency}
        for h in selectors.holders_for(user=request.auth).order_by("name", "pk")
    ]


@router.get(
    "/holders/{holder_id}/releases",
    response={200: list[ReleaseBrief], **ERRORS},
    summary="Releases the holder licenses or co-owns",
)
def holder_releases(request, holder_id: int = HolderId):
    holder = _holder(request, holder_id)
    return [release_brief(r) for r in selectors.releases_of(holder=holder)]


@router.get(
    "/holders/{holder_id}/deals", response={200: list[DealOut], **ERRORS}, summary="Their deals"
)
def holder_deals(request, holder_id: int = HolderId):
    holder = _holder(request, holder_id)
    return [
        {
            "id": v.deal.pk,
            "release_id": v.deal.release_id,
            "track_id": v.deal.track_id,
            "territories": v.deal.territories,
            "starts_at": v.deal.starts_at,
            "ends_at": v.deal.ends_at,
            "status": v.status,
        }
        for v in selectors.deals_of(holder=holder, at=timezone.now())
    ]


@router.get(
    "/holders/{holder_id}/sales",
    response={200: SalesOut, **ERRORS},
    summary="Sales by day, territory or format over [start, end] (UTC days)",
)
def holder_sales(
    request,
    holder_id: int = HolderId,
    by: str = Query("day", pattern="^(day|territory|format)$"),
    start: date | None = START,
    end: date | None = END,
):
    holder = _holder(request, holder_id)
    end = end or timezone.now().date()
    start = start or end - timedelta(days=29)
    if start > end or (end - start).days >= MAX_SALES_DAYS:
        raise ApiError(422, f"start must be on or before end, at most {MAX_SALES_DAYS} days")
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    reader = {
        "day": selectors.sales_by_day,
        "territory": selectors.sales_by_territory,
        "format": selectors.sales_by_format,
    }[by]
    rows = reader(holder=holder, start=lo, end=hi)
    return {
        "by": by,
        "start": start,
        "end": end,
        "currency": settings.STORE_CURRENCY,
        "rows": [
            {
                "key": str(r.key),
                "downloads": r.downloads,
                "returns": r.returns,
                "amount_micro": r.amount_micro,
            }
            for r in rows
        ],
    }


def _statement_out(holder: RightsHolder, period, summary) -> dict:
    base = f"/api/v1/holders/{holder.pk}/statements/{period.name}"
    return {
        "period": period.name,
        "currency": summary.currency,
        "sales": summary.sales,
        "accruals_micro": summary.accruals_micro,
        "returns_micro": summary.returns_micro,
        "released_micro": summary.released_micro,
        "escrowed_micro": summary.escrowed_micro,
        "escrow_balance_micro": summary.escrow_balance_micro,
        "net_micro": summary.net_micro,
        "csv_url": f"{base}/csv",
        "dsr_url": f"{base}/dsr",
    }


@router.get(
    "/holders/{holder_id}/statements",
    response={200: list[StatementOut], **ERRORS},
    summary="Statement periods with their summaries, newest first",
)
def holder_statements(request, holder_id: int = HolderId):
    holder = _holder(request, holder_id)
    periods = selectors.statement_periods(holder=holder, now=timezone.now())
    return [
        _statement_out(holder, p, s)
        for p, s in selectors.period_summaries(holder=holder, periods=periods)
    ]


@router.get(
    "/holders/{holder_id}/statements/{period}",
    response={200: StatementOut, **ERRORS},
    summary="One period's statement summary",
)
def holder_statement(request, holder_id: int = HolderId, period: str = PeriodName):
    holder = _holder(request, holder_id)
    p = _period(period)
    return _statement_out(
        holder, p, statement_summaries(period=p, holder_ids=[holder.pk])[holder.pk]
    )


@router.get(
    "/holders/{holder_id}/statements/{period}/csv",
    response={200: None, **ERRORS},
    summary="The statement as CSV",
    openapi_extra={"responses": {200: {"description": "CSV", "content": {"text/csv": {}}}}},
)
def holder_statement_csv(request, holder_id: int = HolderId, period: str = PeriodName):
    holder = _holder(request, holder_id)
    p = _period(period)
    return attachment(
        request,
        statement_csv_stream(holder=holder, period=p),
        filename=statement_file_name(holder.pk, p, "csv"),
        content_type="text/csv; charset=utf-8",
    )


@router.get(
    "/holders/{holder_id}/statements/{period}/dsr",
    response={200: None, **ERRORS},
    summary="The statement as a DDEX DSR file",
    openapi_extra={
        "responses": {
            200: {"description": "DDEX DSR", "content": {"text/tab-separated-values": {}}}
        }
    },
)
def holder_statement_dsr(request, holder_id: int = HolderId, period: str = PeriodName):
    holder = _holder(request, holder_id)
    p = _period(period)
    name, handle = dsr_for_holder(holder=holder, period=p)
    return attachment(
        request,
        file_chunks(handle),
        filename=name,
        content_type="text/tab-separated-values; charset=utf-8",
    )


@router.get(
    "/holders/{holder_id}/escrow",
    response={200: EscrowOut, **ERRORS},
    summary="Payable, escrowed and paid-out balances; shares waiting for a mandate",
)
def holder_escrow(request, holder_id: int = HolderId):
    holder = _holder(request, holder_id)
    b = selectors.balances(holder=holder)
    return {
        "currency": b.currency,
        "payable_micro": b.payable_micro,
        "escrow_micro": b.escrow_micro,
        "paid_out_micro": b.paid_out_micro,
        "waiting": [
            {
                "territory": r.territory,
                "right_type": r.right_type,
                "lines": r.lines,
                "amount_micro": r.amount_micro,
            }
            for r in selectors.escrow_waiting(holder=holder)
        ],
    }
