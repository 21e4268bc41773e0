"""gunicorn settings for `backcoach serve` (production).

Alexa waits about 8 s for an answer; a request that takes longer is already lost,
so workers are recycled well before gunicorn's default 30 s.

Workers are gthread: each process runs a bounded pool of GUNICORN_THREADS threads,
and connections that have sent nothing wait in the worker's poller, not in a thread.
With sync workers a client sending a byte a second held a whole process, so five
slow clients stopped the service (issue 16).  The limits, per worker process:

- GUNICORN_THREADS (32) requests in progress at once, slow senders included: a
  client that has begun its headers holds a thread until they are complete
  (gunicorn has no header timeout).  The kernel may hand one worker most of the
  slow clients, so only fewer than GUNICORN_THREADS at once are sure not to starve
  gunicorn on its own.  The nginx front (infra/nginx/) reads whole requests before
  passing them on, so behind it gunicorn never sees a slow client at all.
- a body must arrive whole within BACKCOACH_BODY_TIMEOUT (5 s; skill/body.py), else
  408 and the thread is free again;
- GUNICORN_WORKER_CONNECTIONS (200) open connections, kept-alive ones included;
  past it the worker stops accepting and new connections wait in the listen backlog.

The skill is CPU-bound (the GIL serialises it within a process), so threads add no
throughput: workers do.  A thread stuck in a request is not killed by ``timeout``
(that watches the worker's main loop); Redis calls time out after 0.25 s and the
time zone lookup has its own timeout, so none is expected.

The access log has no request bodies (gunicorn never logs them) and no query
strings (Alexa sends none).
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8080')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"  # see above: a slow client holds a thread, not a process
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "200"))
timeout = 10  # a worker whose main loop is stuck this long is killed and replaced
graceful_timeout = 10  # on SIGTERM, finish requests in flight for up to this long
keepalive = 5  # Alexa, or the nginx front, reuses connections
limit_request_line = 4094  # Alexa's request line is "POST /alexa HTTP/1.1"
limit_request_fields = 50
limit_request_field_size = 8190  # the signature headers are under 1 KiB
max_requests = 10000  # recycle workers now and then
max_requests_jitter = 1000
preload_app = True  # load content and the models once, before forking
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
