"""Route the cart, checkout, balance and order pages."""

from __future__ import annotations

from django.urls import path

from tunemeter.shop import card_views, views

app_name = "shop"
urlpatterns = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add", views.cart_add, name="cart_add"),
    path("cart/update", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout_start, name="checkout_start"),
    path("checkout/<uuid:quote_id>/", views.checkout, name="checkout"),
    path("checkout/<uuid:quote_id>/buy", views.checkout_buy, name="checkout_buy"),
    path("checkout/<uuid:quote_id>/refresh", views.checkout_refresh, name="checkout_refresh"),
    path("account/balance/", views.balance, name="balance"),
    path("account/balance/top-up", views.balance_topup, name="topup"),
    path("account/balance/card", card_views.card_topup, name="card_topup"),
    path(
        "account/balance/card/<str:payment_intent_id>/",
        card_views.card_topup_page,
        name="card_topup_page",
    ),
    path("stripe/webhook", card_views.stripe_webhook, name="stripe_webhook"),
    path("account/balance/gift-code", views.balance_gift, name="gift"),
    path("account/orders/", views.orders, name="orders"),
    path("account/orders/<int:order_id>/", views.order, name="order"),
]
