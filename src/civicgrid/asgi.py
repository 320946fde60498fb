import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
application = get_asgi_application()

# A missing or wrong data key stops the server here, with a message (docs/operations.md).
from civicgrid.core.keycheck import verify_or_exit  # noqa: E402

verify_or_exit()
