"""The app side of a sync run: its lease, its process, its clients and store, watermarks, invites, emails.

`syncs` runs the jobs on what it is given; this package gives it that and records what came of it.
"""
