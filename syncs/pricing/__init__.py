"""Pricing sync (contract §3 "Prices"): tier names on the shop, Cin7 tier prices on each variant."""
