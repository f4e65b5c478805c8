"""The rights holder's pages: sales, statements, escrow, deals and takedown requests."""
