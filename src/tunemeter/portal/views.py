"""Render the rights holder's portal: dashboard, statements with downloads, takedowns.

A signed-in user sees only the holders attached to them (staff see every holder); any
other holder's id is a 404. Pages only read; the takedown request is a POST with CSRF.
"""

from __future__ import annotations

import logging
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tunemeter.httputil import attachment, file_chunks
from tunemeter.portal import selectors
from tunemeter.portal.charts import sales_chart
from tunemeter.portal.forms import TakedownForm
from tunemeter.rights.exceptions import RightsError
from tunemeter.rights.models import RightsHolder
from tunemeter.rights.selectors import holder_controls
from tunemeter.rights.services import takedown_create
from tunemeter.royalties.exports import statement_csv_stream, statement_file_name, statement_html
from tunemeter.royalties.periods import Period, period_parse
from tunemeter.royalties.reports import dsr_for_holder

logger = logging.getLogger(__name__)


def _holder(request: HttpRequest, holder_id: int) -> RightsHolder:
    try:
        return selectors.holder_for(user=request.user, holder_id=holder_id)
    except RightsHolder.DoesNotExist as exc:
        raise Http404("No such rights holder") from exc


def _context(request: HttpRequest, holder: RightsHolder, section: str, **extra) -> dict:
    """Return what every portal page shows: the holder, the switcher, the section."""
    holders = selectors.holders_for(user=request.user)
    return {
        "holder": holder,
        "holders": holders if holders.count() > 1 else [],
        "section": section,
        **extra,
    }


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Open the chosen (?holder=) or only holder's dashboard, or list the holders to pick."""
    holders = list(selectors.holders_for(user=request.user))
    chosen = request.GET.get("holder", "")
    if chosen.isdigit():
        return redirect("portal:dashboard", holder_id=_holder(request, int(chosen)).pk)
    if len(holders) == 1:
        return redirect("portal:dashboard", holder_id=holders[0].pk)
    status = 200 if holders else 403
    return render(request, "portal/index.html", {"holders": holders}, status=status)


@login_required
@require_safe
def dashboard(request: HttpRequest, holder_id: int) -> HttpResponse:
    holder = _holder(request, holder_id)
    days = int(d) if (d := request.GET.get("days", "")).isdigit() else 30
    days = days if days in selectors.RANGES_DAYS else 30
    now = timezone.now()
    start, end = selectors.sales_range(days=days, today=now.date())
    by_day = selectors.sales_by_day(holder=holder, start=start, end=end)
    context = _context(
        request,
        holder,
        "dashboard",
        days=days,
        ranges=selectors.RANGES_DAYS,
        start=start,
        last_day=by_day[-1].key,
        by_day=by_day,
        chart=sales_chart(by_day),
        total=selectors.sales_total(holder=holder, start=start, end=end),
        by_territory=selectors.sales_by_territory(holder=holder, start=start, end=end),
        by_format=selectors.sales_by_format(holder=holder, start=start, end=end),
        balances=selectors.balances(holder=holder),
        escrow=selectors.escrow_waiting(holder=holder),
        releases=selectors.releases_of(holder=holder),
        deals=selectors.deals_of(holder=holder, at=now),
        payouts=selectors.payouts_recent(holder=holder),
    )
    return render(request, "portal/dashboard.html", context)


@login_required
@require_safe
def statements(request: HttpRequest, holder_id: int) -> HttpResponse:
    holder = _holder(request, holder_id)
    now = timezone.now()
    periods = selectors.statement_periods(holder=holder, now=now)
    rows = selectors.period_summaries(holder=holder, periods=periods)
    context = _context(request, holder, "statements", rows=rows, current=f"{now:%Y-%m}")
    return render(request, "portal/statements.html", context)


def _period(text: str) -> Period:
    try:
        return period_parse(text)
    except ValueError as exc:
        raise Http404("No such period") from exc


@login_required
@require_safe
def statement_download(request: HttpRequest, holder_id: int, period: str, kind: str):
    """Send a period's statement as CSV or DSR (attachments, streamed) or printable HTML."""
    holder = _holder(request, holder_id)
    when = _period(period)
    logger.info("portal statement user=%s holder=%s period=%s kind=%s",
                request.user.pk, holder.pk, when.name, kind)  # fmt: skip
    if kind == "csv":
        name = statement_file_name(holder.pk, when, "csv")
        pieces = statement_csv_stream(holder=holder, period=when)
        return attachment(request, pieces, filename=name, content_type="text/csv; charset=utf-8")
    if kind == "dsr":
        name, handle = dsr_for_holder(holder=holder, period=when)
        size = os.fstat(handle.fileno()).st_size
        pieces = file_chunks(handle)
        return attachment(
            request,
            pieces,
            filename=name,
            content_type="text/tab-separated-values; charset=utf-8",
            size_bytes=size,
        )
    if kind == "html":
        return HttpResponse(statement_html(holder=holder, period=when))
    raise Http404("No such statement format")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def takedowns(request: HttpRequest, holder_id: int) -> HttpResponse:
    """List the holder's takedowns; on POST, record the one asked for and say so."""
    holder = _holder(request, holder_id)
    releases = selectors.releases_of(holder=holder)
    form = TakedownForm(request.POST or None, releases=releases)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            takedown = takedown_create(
                territories=data["territories"],
                effective_at=data["effective_at"],
                holder=holder,
                requested_by=request.user,
                reason=data["reason"],
                # A holder owning the whole recording with a mandate decides; a co-owner asks.
                confirmed=holder_controls(holder=holder, at=timezone.now(), **data["subject"]),
                **data["subject"],
            )
        except RightsError as exc:
            form.add_error(None, str(exc))
        else:
            logger.info("portal takedown user=%s holder=%s takedown=%s",
                        request.user.pk, holder.pk, takedown.pk)  # fmt: skip
            text = (
                _(
                    "Takedown recorded: %(subject)s is withdrawn from sale in %(territories)s "
                    "from %(at)s UTC."
                )
                if takedown.confirmed_at
                else _(
                    "Takedown requested: you share %(subject)s with other owners, so the store's "
                    "staff confirm it before it withdraws anything in %(territories)s (from "
                    "%(at)s UTC at the earliest)."
                )
            )
            messages.success(
                request,
                text  # fmt: skip
                % {
                    "subject": takedown.subject,
                    "territories": takedown.territories,
                    "at": date_format(takedown.effective_at, "SHORT_DATETIME_FORMAT"),
                },
            )
            return redirect("portal:takedowns", holder_id=holder.pk)
    context = _context(
        request,
        holder,
        "takedowns",
        form=form,
        releases=releases,
        takedowns=selectors.takedowns_of(holder=holder),
    )
    return render(request, "portal/takedowns.html", context, status=400 if form.errors else 200)
