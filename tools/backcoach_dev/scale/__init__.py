"""``backcoach-dev scale``: two webhook instances on a real Redis Cluster behind a
round-robin nginx, many simulated patients, one master killed mid-run (issue 18)."""
