"""gunicorn settings for `backcoach serve` (production).

Alexa waits about 8 s for an answer; a request that takes longer is already lost,
so workers are recycled well before gunicorn's default 30 s.  Workers are sync
processes: the skill is CPU-bound and each request makes at most two short Redis
round trips.  The access log has no request bodies (gunicorn never logs them) and
no query strings (Alexa sends none).
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8080')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 10  # a worker stuck this long is killed and replaced
graceful_timeout = 10  # on SIGTERM, finish requests in flight for up to this long
keepalive = 5  # Alexa reuses connections through the load balancer
max_requests = 10000  # recycle workers now and then
max_requests_jitter = 1000
preload_app = True  # load content and the models once, before forking
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
