"""The sync jobs: pure mapping from Cin7 records to desired Shopify state, then writing the difference."""
