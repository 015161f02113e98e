"""`make bench`: measurements of the running platform, each checked against a bar."""
