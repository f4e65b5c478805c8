"""Ledger: accounts, balanced append-only transfers, balances — the only code that moves money."""
