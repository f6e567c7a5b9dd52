"""The revisions of the store's schema, one file each (see :mod:`geo.migrations`)."""
