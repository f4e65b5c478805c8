"""Accrue royalties, hold escrow, state and report them (statements, DDEX DSR), pay out."""
