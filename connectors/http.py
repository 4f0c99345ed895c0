"""HTTP sessions for the connectors."""

import os

import requests


def session_for(base_url: str) -> requests.Session:
    """A `requests.Session` for one host whose environment settings (proxies, CA bundle) are read once.

    By default requests re-reads every proxy variable of the environment on each request; for a sync
    making thousands of calls that costs more CPU than the calls themselves. A client talks to one
    host, so the answer for that host is computed here and the per-request lookup is turned off.
    """
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False
    return session
