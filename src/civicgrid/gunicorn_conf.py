"""gunicorn settings for CivicGrid: ``gunicorn -c python:civicgrid.gunicorn_conf civicgrid.wsgi``.

The access log leaves out personal data (``civicgrid.core.logging.GunicornLogger``): no query
string of the register's pages and API, no ID or mobile number anywhere in a line. Everything
else (bind, workers, timeouts) is given on the command line or in GUNICORN_CMD_ARGS as usual.
"""

logger_class = "civicgrid.core.logging.GunicornLogger"
accesslog = "-"
errorlog = "-"
