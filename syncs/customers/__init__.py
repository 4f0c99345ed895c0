"""Customer sync (contract §3 "Customers", §4): Cin7 customers in scope -> Shopify customers."""
