"""The Django project and the merchant-facing app: install, session-token API, webhooks, pages, emails."""
