"""Customers: registration with a country (the buyer's territory), sign-in and passwords."""
