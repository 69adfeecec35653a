"""``python -m dxcore …``: scripting and batch use.

Output is JSON on stdout (or CSV with --format csv).  Errors go to stderr as one clear
sentence with exit code 2 and no traceback (set DX_DEBUG=1 to see one).  The database
is the one DX_DATABASE_URL names (default: the SQLite file under data/).

Each area of the app registers its own sub-commands: every ``dxcore/cli_*.py`` module
provides ``register(subparsers)``, and each parser it adds sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from dxcore.errors import DxError
from dxcore.i18n import LANGS, normalise_lang

COMMAND_MODULES = tuple(sorted(f"dxcore.{p.stem}" for p in Path(__file__).parent.glob("cli_*.py")))
EXIT_USAGE = 2


class Out:
    """What a command hands back: data to print as JSON, or CSV bytes, and an exit code."""

    def __init__(self, data=None, csv: bytes | None = None, code: int = 0):
        self.data, self.csv, self.code = data, csv, code


def emit(out: Out) -> int:
    if out.csv is not None:
        sys.stdout.buffer.write(out.csv)
        sys.stdout.flush()
    elif out.data is not None:
        print(json.dumps(out.data, ensure_ascii=False, indent=2, default=str))
    return out.code


def read_json(path: str) -> object:
    """JSON from a file, or stdin for '-'; a DxError saying what is wrong otherwise."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise DxError("cli.error.unreadable", path=path, reason=str(e)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DxError("cli.error.bad_json", path=path, line=e.lineno, col=e.colno, reason=e.msg) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dxcore", description="行政DX 再起動ナビ — command line")
    parser.add_argument("--lang", choices=LANGS, default=normalise_lang(os.environ.get("DX_LANG")),
                        help="language of texts and messages (default ja)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _accept_lang_everywhere(sub)
    return parser


def _accept_lang_everywhere(sub) -> None:
    """Let --lang also follow the sub-command (``questionnaire --lang en``)."""
    for parser in sub.choices.values():
        nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            _accept_lang_everywhere(nested[0])
        else:
            parser.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS,
                                help="language of texts and messages (default ja)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return emit(args.func(args))
    except DxError as e:
        print(e.message(args.lang), file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:  # noqa: BLE001 — the promise is one sentence, never a traceback
        if os.environ.get("DX_DEBUG"):
            raise
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_USAGE
