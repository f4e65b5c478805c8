"""Pricing: rates per MB, release discounts, and quotes that lock sizes and prices."""
