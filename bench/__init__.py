"""Cold-start and request-cost benchmarks for the five functions (``make bench``).

Every number is measured in the same run against a baseline measured beside it, and the
verdict is a ratio, never an absolute time: the machines are shared and noisy.

Modules here that run as child processes (``coldstart``, ``warm``, ``calls``, ``listing``)
import only the standard library at module level, so a child's own start is not timed.
"""
