import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
application = get_wsgi_application()

# A missing or wrong data key stops the server here, with a message (docs/operations.md).
from civicgrid.core.keycheck import verify_or_exit  # noqa: E402

verify_or_exit()
