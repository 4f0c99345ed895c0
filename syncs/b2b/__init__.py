"""Native Shopify B2B (contract §3 "Native B2B", "B2B prices"): customers as companies, tiers as catalogs."""
