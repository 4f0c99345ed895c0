"""The sync jobs: pure mapping from Cin7 records to desired Shopify state, then writing the difference.

One package per sync (`customers`, `pricing`, `b2b`) over shared machinery. Nothing here imports the app
or Django: a run is given its clients, its settings and a `store.Store` (`integration_app.runs` builds
them, holds the lease and sends the emails), and the layering test keeps it so.
"""
