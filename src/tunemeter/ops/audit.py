"""Explain a sale: order → line → deal → mandate → splits → transfers → statement."""

from __future__ import annotations

from datetime import datetime

from tunemeter.catalog.models import Track
from tunemeter.ledger.models import Transfer
from tunemeter.ledger.units import micro_format, minor_format
from tunemeter.rights.localtime import envelope_start, local_opens, local_parse, zone_reading
from tunemeter.rights.models import Deal
from tunemeter.rights.selectors import (
    mandate_for,
    sale_licence,
    split_shares,
    track_deal_in_force,
)
from tunemeter.rights.territories import territory_check
from tunemeter.royalties.exports import statement_file_name
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.terms import deal_right_types
from tunemeter.shop.models import Order


def _period(deal: Deal) -> str:
    start = deal.starts_at.isoformat()
    if deal.local_starts and deal.starts_at == envelope_start(local_parse(deal.local_starts)):
        start = f"{deal.local_starts} local"
    end = deal.ends_at.isoformat() if deal.ends_at else "open end"
    if deal.local_ends and deal.ends_at is not None:
        end = f"{deal.local_ends} local (at the latest {end})"
    return f"[{start}, {end})"


def deal_text(deal: Deal) -> list[str]:
    """Describe a deal: subject, licensor, territories, validity, model and terms."""
    subject = f"track {deal.track_id}" if deal.track_id else f"release {deal.release_id}"
    lines = [
        f"deal {deal.pk} for {subject} from {deal.licensor} (holder {deal.licensor_id})",
        f"  territories {deal.territories}; valid {_period(deal)}",
        f"  {deal.commercial_model} / {deal.use_type}; sound recording {deal.sr_share_bps} bps"
        + (f", min {micro_format(deal.sr_minimum_micro)}" if deal.sr_minimum_micro else ""),
    ]
    if deal.pub_share_bps or deal.pub_amount_micro:
        lines.append(
            f"  publishing max({deal.pub_share_bps} bps, "
            f"{micro_format(deal.pub_amount_micro)} per {deal.pub_amount_per})"
        )
    if deal.supersedes_id:
        lines.append(f"  supersedes deal {deal.supersedes_id}")
    return lines


def _transfer_text(transfer_id: str) -> list[str]:
    transfer = Transfer.objects.filter(pk=transfer_id).first()
    if transfer is None:
        return [f"    transfer {transfer_id}: MISSING"]
    out = [f"    transfer {transfer.pk} ({transfer.kind}, {transfer.created_at.isoformat()})"]
    for entry in transfer.entries.select_related("account").order_by("pk"):
        account = entry.account
        amount = (
            micro_format(entry.amount_micro, entry.currency)
            if account.unit == account.MICRO
            else minor_format(entry.amount_minor, entry.currency)
        )
        out.append(f"      {amount:>22} on {account}")
    return out


def sale_audit(*, order_id: int) -> list[str]:
    """Return the chain of evidence for an order, line by line."""
    order = Order.objects.select_related("quote").get(pk=order_id)
    quote = order.quote
    out = [
        f"order {order.pk}: customer {order.customer_id}, {order.created_at.isoformat()}, "
        f"territory {quote.territory or '?'}, {minor_format(order.total_minor, order.currency)}, "
        f"{order.status}",
    ]
    if order.transfer_id:
        out += _transfer_text(order.transfer_id)
    royalty_lines = list(
        RoyaltyLine.objects.filter(order=order)
        .select_related("holder", "mandate", "escrow_release__mandate", "deal__licensor", "track")
        .order_by("quote_line_id", "kind", "right_type", "holder_id")
    )
    by_line: dict[int, list[RoyaltyLine]] = {}
    for row in royalty_lines:
        by_line.setdefault(row.quote_line_id, []).append(row)
    transfers = sorted({row.transfer_id for row in royalty_lines if row.transfer_id})
    for line_id, rows in by_line.items():
        sale = rows[0]
        track = sale.track
        out.append(
            f"line {line_id}: track {track.pk} '{track.title}' ISRC {track.isrc or '-'}, "
            f"{sale.format_id}, {sale.size_bytes} bytes, paid {micro_format(sale.paid_micro)}"
        )
        licence = sale_licence(track=track, territory=sale.territory, at=order_sale_time(rows))
        out += ["  " + text for text in deal_text(sale.deal)]
        verdict = (
            "licensed" if licence.deal == sale.deal else f"now: {licence.reason or 'other deal'}"
        )
        out.append(f"  at {order_sale_time(rows).isoformat()} in {sale.territory}: {verdict}")
        for row in rows:
            where = "payable"
            if row.escrowed:
                where = "ESCROW (no mandate)"
                if row.escrow_release_id:
                    r = row.escrow_release
                    where += (
                        f", released {r.at.isoformat()} by mandate {r.mandate_id} "
                        f"(transfer {r.transfer_id or 'none: nets to zero'})"
                    )
            mandate = (
                f"mandate {row.mandate_id} ({row.mandate.territories}, from "
                f"{row.mandate.starts_at.date()})"
                if row.mandate_id
                else "no mandate"
            )
            period = f"{row.at:%Y-%m}"
            out.append(
                f"  {row.kind} {row.right_type}: {row.rate} → royalty "
                f"{micro_format(row.royalty_micro)}; {row.holder} (holder {row.holder_id}) "
                f"{row.share_bps} bps = {micro_format(row.amount_micro)}; {mandate}; {where}; "
                f"statement {statement_file_name(row.holder_id, period_parse(period), 'csv')}"
            )
    if not royalty_lines:
        out.append("no royalty lines: nothing was owed on this order (free, owned or no deal)")
    for transfer_id in transfers:
        out += _transfer_text(transfer_id)
    return out


def order_sale_time(rows: list[RoyaltyLine]) -> datetime:
    """Return when the sale of these royalty lines happened (a return's original sale)."""
    sale = next((r for r in rows if r.kind == RoyaltyLine.SALE), rows[0])
    return sale.at


def _deal_time_text(deal: Deal, territory: str) -> list[str]:
    """Say when a deal opens and closes in a territory, and which zone decides."""
    out = []
    opens = deal.opens_in(territory)
    if deal.local_starts and opens == local_opens(local_parse(deal.local_starts), territory):
        reading = zone_reading(local_parse(deal.local_starts), territory, end=False)
        out.append(f"  opens in {territory} at {reading}")
    elif deal.local_starts:
        out.append(
            f"  opens at {opens.isoformat()}, when its message was applied (the message said "
            f"{deal.local_starts} local; the past is not rewritten)"
        )
    else:
        out.append(f"  opens at {deal.starts_at.isoformat()} (an instant, the same everywhere)")
    closes = deal.closes_in(territory)
    if deal.local_ends and closes is not None and closes != deal.ends_at:
        reading = zone_reading(local_parse(deal.local_ends), territory, end=True)
        out.append(f"  closes in {territory} at {reading}")
    elif closes is not None:
        out.append(f"  closes at {closes.isoformat()}")
    if deal.message_id:
        m = deal.message
        out.append(
            f"  from {m.kind} message {m.message_id} by {m.sender}, created "
            f"{m.message_created_at.isoformat()}, applied {m.applied_at.isoformat()}"
        )
    return out


def licence_audit(*, track_id: int, territory: str, at: datetime) -> tuple[bool, list[str]]:
    """Answer whether a sale of a track then and there was licensed, and by what.

    Name the decisive deal, the message it came from and the local time that decides;
    raise ValueError for a territory that is not an ISO 3166-1 alpha-2 code.
    """
    territory = territory_check(territory)
    track = Track.objects.select_related("release").get(pk=track_id)
    licence = sale_licence(track=track, territory=territory, at=at)
    out = [
        f"track {track.pk} '{track.title}' on release {track.release_id}, "
        f"{territory}, {at.isoformat()}"
    ]
    if licence.deal is None:
        own = track_deal_in_force(track=track, territory=territory, at=at)
        if own is not None:
            out += deal_text(own) + _deal_time_text(own, territory)
            out.append(
                f"NOT LICENSED: track deal {own.pk} decides for this track and leaves out "
                f"{territory} ({own.territories}), whatever the release's deal says"
            )
            return False, out
        out.append(f"NOT LICENSED: {licence.reason}")
        return False, out
    out += deal_text(licence.deal) + _deal_time_text(licence.deal, territory)
    if licence.takedown is not None:
        t = licence.takedown
        until = f" until {t.ends_at.isoformat()}" if t.ends_at else ""
        out.append(
            f"NOT LICENSED: takedown {t.pk} ({t.territories}) from "
            f"{t.effective_at.isoformat()}{until}, confirmed {t.confirmed_at.isoformat()}"
        )
        return False, out
    out.append("LICENSED")
    for right_type in deal_right_types(licence.deal.terms):
        for bps, holder in split_shares(
            track=track, right_type=right_type, default_holder=licence.deal.licensor
        ):
            mandate = mandate_for(holder=holder, right_type=right_type, territory=territory, at=at)
            paid = (
                f"mandate {mandate.pk} ({mandate.territories})"
                if mandate
                else "escrow (no mandate)"
            )
            out.append(f"  {right_type}: {holder} (holder {holder.pk}) {bps} bps → {paid}")
    return True, out
