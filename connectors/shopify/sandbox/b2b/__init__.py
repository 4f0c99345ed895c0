"""Shopify's native B2B in the sandbox: companies, locations, catalogs, price lists, B2B markets and the plan
rules around them (B2B.md). `register.register_b2b` adds its fields to the core's extension table; the core
imports only `store.B2BState`, the records each shop holds."""
