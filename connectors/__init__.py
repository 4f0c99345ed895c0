"""Clients and sandbox servers for the outside systems (Cin7 Core, Shopify). Nothing Django-specific."""
