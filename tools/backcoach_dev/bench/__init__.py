"""``backcoach-dev bench`` / ``make bench``: the skill under load, next to a hello-world
ASK SDK skill on the same stack (docs/ARCHITECTURE.md, 'Performance').

- ``workload``: real conversations run in process, replayed as Alexa requests for
  many users (the bodies wrk sends, re-signed before each measurement);
- ``pki``: a private CA -> intermediate -> leaf so verification can be measured on;
- ``apps``: what gunicorn serves (the skill with the bench's certificates, and the
  hello-world reference);
- ``processes``: the throwaway redis-server and gunicorn servers, always cleaned up;
- ``wrk``: the Lua script and one wrk run;
- ``runner``: the whole bench, its table and JSON; ``profile``: the request path in
  process, stage by stage.

Nothing here is imported by the skill itself.
"""
