"""The sessions' rules, in the domain's words: bodies, views, the use cases and their errors."""
