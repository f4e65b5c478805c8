"""Shop: checkout, orders, entitlements, deposits and gift codes."""
