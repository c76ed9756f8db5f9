"""OpenAPI 3.1 interface documents of the standards.

A standard may carry an ``openapi.yaml``. Its schemas may say which code list a value comes
from with the extension ``x-codelist`` (``name`` for a code list of the same standard, or
``slug@version/name``). A string that holds several codes separated by a character, like
the OAuth ``scope`` parameter, says so with ``x-codelist-separator: ' '``. An object schema
whose properties are the fields of an entity of a standard says so with ``x-entity`` (written
like ``x-codelist``); the interface page links those properties, and only those, to the
entity's data items.

Everything here is offline: only references inside the document (``#/...``) are followed;
any other ``$ref`` is reported by :func:`educat.standards.openapi.spec.validate_openapi` and
never fetched. ``document`` reads, ``spec`` validates, ``operations`` lists the operations,
``payload`` checks payloads; the page is made in ``educat.site.api_page``.
"""
