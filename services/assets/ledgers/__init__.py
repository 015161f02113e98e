"""Ledgers (台账): asset inventory, land-related contracts and their special review, village debts."""
