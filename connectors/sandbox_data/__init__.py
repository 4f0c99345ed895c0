"""Seeded, realistic B2B sample data for the Cin7 Core and Shopify sandboxes (`connectors.sandboxes` starts
both with it).

`generate(customers, products, seed)` returns plain data (Cin7 customer/product JSON, Shopify products and
customers as dicts) plus loaders. The first customers and products are fixed scenarios, one per case the
sync must handle (see `SampleData.cases`), so even the small `demo_data()` set shows every case; the rest
are drawn at realistic rates. The same seed always gives the same data.
"""

from .customers import CUSTOMER_SCENARIOS
from .products import PRODUCT_SCENARIOS
from .sample import SampleData, demo_data, generate

__all__ = ["CUSTOMER_SCENARIOS", "PRODUCT_SCENARIOS", "SampleData", "demo_data", "generate"]
