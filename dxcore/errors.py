"""One error type for everything a user can get wrong.

``key`` names a message in the catalogue (``dxcore/content/messages``) and ``params``
fill it, so the CLI and the pages show the same clear sentence in the user's language.
"""

from __future__ import annotations


class DxError(Exception):
    def __init__(self, key: str, /, **params):
        self.key = key
        self.params = params
        super().__init__(f"{key} {params}" if params else key)

    def message(self, lang: str = "ja") -> str:
        from dxcore.i18n import t

        return t(self.key, lang, **self.params)


class StoreError(DxError):
    """The database cannot be used as it is — corrupt, read-only, deleted while the server
    runs, unreachable — said in one sentence that names the file or the URL (never its
    password).  Raised by :mod:`dxcore.store.engine` in place of the driver's error."""
