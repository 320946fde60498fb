"""Open311 GeoReport v2 at ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), XML and JSON.

Other systems (a city app, a partner hotline) list our services, file requests and follow them:

==========================================  =====================================================
``GET  discovery.{json,xml}``               the endpoint, its formats and where keys come from
``GET  services.{json,xml}``                active case classes: ``service_code`` = class code,
                                            ``group`` = major class, ``metadata`` true
``GET  services/{code}.{json,xml}``         the attributes a request of that class takes
``POST requests.{json,xml}``                file a case (``api_key`` required; form fields from the
                                            body and the query string); ``Idempotency-Key`` honoured
``GET  requests.{json,xml}``                filters ``service_request_id`` (comma list, overrides the
                                            rest), ``service_code``, ``start_date``, ``end_date``,
                                            ``status`` (open, closed); last 90 days, 1000 at most
``GET  requests/{id}.{json,xml}``           one request
``GET  tokens/{token}.{json,xml}``          the ``service_request_id`` behind a POST's token
==========================================  =====================================================

``service_request_id`` is the case number. Attributes of every service (``attribute[code]=…``):
``urgency`` (singlevaluelist ``normal``/``urgent``), ``building`` (the standard address of a
registered building, matched to the register; its position is used when ``lat``/``long`` are not
given) and, for component classes, ``component`` (the 16-digit component code).

Position: ``lat``/``long``; else ``address_id`` (a registered building's id); else
``address_string`` (or the ``building`` attribute) matched to the register like
``registry.queries.match_address`` does, over the whole platform. A position outside every grid is
a 400. ``first_name``/``last_name`` and ``phone`` become the reporter's name and (encrypted, masked)
phone; ``email`` is checked but not kept (cases have no e-mail field); ``media_url`` is kept at the
end of the description and answered back as ``media_url``.

The published feed holds cases reported by residents, patrols and Open311 clients (not the
hotline's calls and letters, which are private correspondence) and never any reporter data.
Errors are spec-shaped: ``[{"code": 400, "description": "…"}]`` or ``<errors><error>…``.
Cases created here have channel ``open311``, are filed at the district centre (its register
queue) and get an on-site confirmation task for the grid's supervisor, like a resident's report.
"""
