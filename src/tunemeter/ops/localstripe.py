"""Run localstripe (a fake Stripe for development) on loopback, and pay an intent with a test card.

`python -m tunemeter.ops.localstripe serve --port 8420 --webhook URL --secret whsec_…`
serves localstripe's API on 127.0.0.1 only and has it sign and POST every event to the
store's webhook URL, as Stripe would. `python -m tunemeter.ops.localstripe pay pi_…`
does what the buyer's browser does with Stripe.js: attach a test card and confirm.
localstripe comes with the test extras (`pip install -e '.[test]'`); development only.
"""

from __future__ import annotations

import argparse
import os
import sys

TEST_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def serve(*, port: int, webhook: str, secret: str) -> None:
    """Serve localstripe on 127.0.0.1:port, delivering signed events to webhook (if given)."""
    from aiohttp import web
    from localstripe.server import app
    from localstripe.webhooks import register_webhook

    if webhook:
        register_webhook("tunemeter", webhook, secret, None)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def pay(client, payment_intent_id: str) -> dict:
    """Attach a test card to an intent and confirm it; return the intent as Stripe shows it."""
    method = client.v1.payment_methods.create(params={"type": "card", "card": TEST_CARD})
    client.v1.payment_intents.update(payment_intent_id, params={"payment_method": method.id})
    return client.v1.payment_intents.confirm(payment_intent_id).to_dict()


def main(argv: list[str] | None = None) -> None:
    """Parse the command line: serve, or pay an intent."""
    parser = argparse.ArgumentParser(prog="python -m tunemeter.ops.localstripe")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("serve")
    run.add_argument("--port", type=int, default=8420)
    run.add_argument("--webhook", default="", help="the store's /stripe/webhook URL")
    run.add_argument("--secret", default=os.environ.get("STRIPE_WEBHOOK_SECRET", ""))
    paying = sub.add_parser("pay")
    paying.add_argument("payment_intent")
    paying.add_argument("--api-base", default=os.environ.get("STRIPE_API_BASE", ""))
    args = parser.parse_args(argv)
    if args.action == "serve":
        if args.webhook and not args.secret:
            parser.error("--secret (or STRIPE_WEBHOOK_SECRET) is needed to sign webhooks")
        serve(port=args.port, webhook=args.webhook, secret=args.secret)
        return
    import stripe

    key = os.environ.get("STRIPE_SECRET_KEY", "sk_test_local")
    base = args.api_base or "http://127.0.0.1:8420"
    client = stripe.StripeClient(key, base_addresses={"api": base})
    intent = pay(client, args.payment_intent)
    sys.stdout.write(f"{intent['id']}: {intent['status']}\n")


if __name__ == "__main__":
    main()
