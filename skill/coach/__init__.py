"""The coaching core: catalog, routine planning, the session state machine, pacing and
the pain policy.  Plain Python: no Alexa, Flask or Redis here (docs/ARCHITECTURE.md, 'Rules')."""
