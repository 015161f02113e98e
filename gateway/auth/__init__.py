"""Who is calling: users, browser sessions, API keys, sign-in, CSRF and the security headers."""
