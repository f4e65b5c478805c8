"""Write small DDEX ERN 4.3 messages for tests, and check their structure.

DDEX's XSD is published under DDEX's implementation licence, which does not let this
repository redistribute it, so `ern_structure_check` checks what the tests rely on
against the ERN 4.3 schema's rules instead: the namespace, the MessageHeader's required
parts (MessageId, MessageSender, MessageRecipient, MessageCreatedDateTime), and DealTerms
holding TerritoryCode or ExcludedTerritoryCode (an xs:choice), never both.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from django.conf import settings

from tunemeter.rights.identifiers import mod37_36_check_char

NS = "http://ddex.net/xml/ern/43"
SENDER = "PADPIDA2014120301" + mod37_36_check_char("PADPIDA2014120301")
OTHER_DSP = "PADPIDA2099000001" + mod37_36_check_char("PADPIDA2099000001")


def deal_terms(
    *,
    territories: list[str] | None = None,
    excluded: list[str] | None = None,
    start: str = "2026-01-01",
    end: str = "",
    model: str = "PayAsYouGoModel",
    use: str = "PermanentDownload",
    extra: str = "",
) -> str:
    """Return one Deal with its DealTerms."""
    codes = "".join(f"<TerritoryCode>{c}</TerritoryCode>" for c in territories or [])
    codes += "".join(f"<ExcludedTerritoryCode>{c}</ExcludedTerritoryCode>" for c in excluded or [])
    start_tag = "StartDateTime" if "T" in start else "StartDate"
    end_tag = "EndDateTime" if "T" in end else "EndDate"
    period = f"<{start_tag}>{start}</{start_tag}>"
    period += f"<{end_tag}>{end}</{end_tag}>" if end else ""
    return (
        f"<Deal><DealTerms>{extra}{codes}<ValidityPeriod>{period}</ValidityPeriod>"
        f"<CommercialModelType>{model}</CommercialModelType><UseType>{use}</UseType>"
        "</DealTerms></Deal>"
    )


def ern(
    *,
    upc: str,
    deals: list[str],
    message_id: str = "M1",
    created: str = "2026-01-01T00:00:00Z",
    recipient: str | None = None,
    sender: str = SENDER,
    track_isrc: str = "",
    track_deals: list[str] | None = None,
) -> bytes:
    """Return a NewReleaseMessage for one album (and optionally one TrackRelease)."""
    recipient = recipient or settings.DDEX_PARTY_ID
    track_release = (
        "<TrackRelease><ReleaseReference>R1</ReleaseReference>"
        f"<ReleaseId><ISRC>{track_isrc}</ISRC></ReleaseId></TrackRelease>"
        if track_isrc
        else ""
    )
    track_deal = (
        f"<ReleaseDeal><DealReleaseReference>R1</DealReleaseReference>{''.join(track_deals)}"
        "</ReleaseDeal>"
        if track_deals
        else ""
    )
    album_deal = (
        f"<ReleaseDeal><DealReleaseReference>R0</DealReleaseReference>{''.join(deals)}"
        "</ReleaseDeal>"
        if deals
        else ""
    )
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<ern:NewReleaseMessage xmlns:ern="{NS}" AvsVersionId="4.3" LanguageAndScriptCode="en">
  <MessageHeader>
    <MessageId>{message_id}</MessageId>
    <MessageSender><PartyId>{sender}</PartyId>
      <PartyName><FullName>Nightjar Records</FullName></PartyName></MessageSender>
    <MessageRecipient><PartyId>{recipient}</PartyId>
      <PartyName><FullName>A DSP</FullName></PartyName></MessageRecipient>
    <MessageCreatedDateTime>{created}</MessageCreatedDateTime>
  </MessageHeader>
  <ReleaseList>
    <Release><ReleaseReference>R0</ReleaseReference><ReleaseType>Album</ReleaseType>
      <ReleaseId><ICPN>{upc}</ICPN></ReleaseId></Release>
    {track_release}
  </ReleaseList>
  <DealList>{album_deal}{track_deal}</DealList>
</ern:NewReleaseMessage>
"""
    data = text.encode()
    ern_structure_check(data)
    return data


def purge(*, upc: str, message_id: str, created: str) -> bytes:
    """Return a PurgeReleaseMessage for one release."""
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<ern:PurgeReleaseMessage xmlns:ern="{NS}" AvsVersionId="4.3">
  <MessageHeader>
    <MessageId>{message_id}</MessageId>
    <MessageSender><PartyId>{SENDER}</PartyId></MessageSender>
    <MessageRecipient><PartyId>{settings.DDEX_PARTY_ID}</PartyId></MessageRecipient>
    <MessageCreatedDateTime>{created}</MessageCreatedDateTime>
  </MessageHeader>
  <PurgedRelease><ReleaseId><ICPN>{upc}</ICPN></ReleaseId></PurgedRelease>
</ern:PurgeReleaseMessage>
"""
    data = text.encode()
    ern_structure_check(data)
    return data


def ern_structure_check(data: bytes, *, allow_invalid_choice: bool = False) -> None:
    """Raise AssertionError where a test message breaks the ERN 4.3 rules tests rely on."""
    root = ET.fromstring(data)
    assert root.tag.startswith("{" + NS + "}"), root.tag
    header = root.find("MessageHeader")
    assert header is not None
    for part in ("MessageId", "MessageSender/PartyId", "MessageRecipient/PartyId"):
        assert header.find(part) is not None, part
    assert header.find("MessageCreatedDateTime") is not None
    for terms in root.iter("DealTerms"):
        both = terms.find("TerritoryCode") is not None and (
            terms.find("ExcludedTerritoryCode") is not None
        )
        assert allow_invalid_choice or not both, "TerritoryCode and ExcludedTerritoryCode"
