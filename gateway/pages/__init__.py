"""The pages (Jinja2 + htmx), one module per domain; rendering.py is what they share."""
