"""Clients of the other services, each named after the service it calls."""
