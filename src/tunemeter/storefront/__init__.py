"""Storefront: the customer's pages."""
