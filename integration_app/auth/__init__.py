"""Everything that decides whether a request from Shopify (or on behalf of a shop) is trusted."""
