"""The brochure as HTML: an A6 card with the QR codes embedded as PNG data URIs.

Every value is HTML-escaped. ``card_fragment`` is the card alone (the admin shows it inside
its own page, styled by ``CARD_CSS`` served as a file); ``document`` is a complete page with
the style inline and ``@page`` A6 portrait (105 x 148 mm), for printing from a file. Both
write the card's texts in the current language (``use_language``).
"""

from __future__ import annotations

from html import escape

from otpbroker.factory.card import BrochureCard
from otpbroker.factory.card_texts import texts
from otpbroker.factory.qr_images import qr_data_uri
from otpbroker.i18n.translate import current_language

CARD_CSS = """\
.bro-card { box-sizing: border-box; width: 105mm; max-width: 100%; min-height: 148mm;
  margin: 0 auto;
  background: #fff; color: #141c24; font: 8.5pt/1.25 "DejaVu Sans", Verdana, sans-serif;
  border: 1px solid #c8ced4; overflow-wrap: anywhere; }
.bro-head { background: #10566e; color: #fff; padding: 2.5mm 5mm 2mm; }
.bro-head h2 { margin: 0; font-size: 16pt; line-height: 1.15; color: #fff; }
.bro-head p { margin: 0.5mm 0 0; color: #d6e8ee; }
.bro-body { padding: 1mm 5mm 2mm; }
.bro-card h3 { font-size: 10.5pt; margin: 1.6mm 0 0.8mm; }
.bro-step { display: inline-block; width: 5.5mm; height: 5.5mm; line-height: 5.5mm;
  border-radius: 50%; background: #10566e; color: #fff; text-align: center;
  font-size: 9pt; margin-right: 1.5mm; }
.bro-row { display: flex; gap: 3mm; align-items: flex-start; }
.bro-qr { flex: none; width: 31mm; height: 31mm; margin-left: -2mm; image-rendering: pixelated; }
.bro-qr.small { width: 23mm; height: 23mm; }
.bro-card dl { margin: 0; min-width: 0; }
.bro-card dt { color: #5c6670; font-size: 8pt; }
.bro-card dd { margin: 0 0 1mm; font: bold 10.5pt/1.2 "DejaVu Sans Mono", monospace; }
.bro-card dd.long { font-size: 9pt; }
.bro-note { color: #5c6670; font-size: 8pt; line-height: 1.2; margin: 0; }
.bro-reset { border-top: 1px solid #c8ced4; margin-top: 1.5mm; }
.bro-reset p { margin: 0; }
.bro-foot { color: #5c6670; font-size: 6.5pt; text-align: center; margin: 1.2mm 0 0; }
@page { size: 105mm 148mm; margin: 0; }  /* A6 portrait (named sizes vary by browser) */
@media print {
  .bro-card { border: 0; margin: 0; min-height: 0; }
}
"""


LONG_VALUE = 24  # characters; longer values get a smaller font so the card stays one page


def _text(text: str) -> str:
    """``text`` escaped for an element's content (quotes kept as they are)."""
    return escape(text, quote=False)


def _value(label: str, value: str) -> str:
    size = ' class="long"' if len(value) > LONG_VALUE else ""
    return f"<dt>{escape(label)}</dt><dd{size}>{escape(value)}</dd>"


def card_fragment(card: BrochureCard) -> str:
    """The card as an HTML fragment (``<article class="bro-card">``), in the current language."""
    say = texts()
    note = say.hidden_note if card.hidden else say.scan_note
    reset_file = f"<strong>{escape(card.reset_path.lstrip('/'))}</strong>"
    steps = _text(say.reset_steps).format(file=reset_file)
    if card.factory_ssid:
        factory = _text(say.factory_wifi).format(
            ssid=f"<strong>{escape(card.factory_ssid)}</strong>",
            password=f"<strong>{escape(card.factory_password)}</strong>",
        )
        steps = f"{steps} {factory}"
    return f"""\
<article class="bro-card" lang="{current_language()}">
<header class="bro-head"><h2>OTP Broker</h2><p>{_text(say.tagline)}</p></header>
<div class="bro-body">
<h3><span class="bro-step">1</span>{_text(say.join_wifi)}</h3>
<div class="bro-row">
<img class="bro-qr" alt="{escape(say.wifi_qr_alt)}" data-qr="wifi" \
src="{qr_data_uri(card.wifi_qr)}">
<dl>{_value(say.network_name, card.ssid)}{_value(say.password, card.wifi_password)}
<p class="bro-note">{_text(note)}</p></dl>
</div>
<h3><span class="bro-step">2</span>{_text(say.open_admin)}</h3>
<div class="bro-row">
<img class="bro-qr small" alt="{escape(say.admin_qr_alt)}" data-qr="admin" \
src="{qr_data_uri(card.admin_url)}">
<dl>{_value(say.address, card.admin_url)}
<p class="bro-note">{_text(say.address_note)}</p></dl>
</div>
<h3><span class="bro-step">3</span>{_text(say.first_admin)}</h3>
<dl>{_value(say.setup_code, card.setup_code)}</dl>
<section class="bro-reset">
<h3>{_text(say.reset_heading)}</h3>
<dl>{_value(say.reset_code, card.reset_code)}</dl>
<p class="bro-note">{steps}</p>
</section>
<p class="bro-foot">{_text(say.footer)}</p>
</div>
</article>
"""


def document(card: BrochureCard) -> str:
    """A complete printable page (A6 portrait) holding the card, in the current language."""
    title = _text(texts().document_title).format(ssid=escape(card.ssid))
    return f"""\
<!doctype html>
<html lang="{current_language()}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
html, body {{ margin: 0; padding: 0; background: #fff; }}
{CARD_CSS}</style>
</head>
<body>
{card_fragment(card)}</body>
</html>
"""
