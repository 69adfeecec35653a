"""``python -m dxcore …``: scripting and batch use.

Output is JSON on stdout (or CSV with --format csv).  Errors go to stderr as one clear
sentence with exit code 2 and no traceback (set DX_DEBUG=1 to see one) — a usage error,
a bad input file, database trouble, running out of memory, JSON nested too deep or with
a number too long to read, and a reader that went away (``python -m dxcore … | head``).
Input files are checked for size before they are read (limits in :mod:`dxcore.limits`).
The database is the one DX_DATABASE_URL names (default: the SQLite file under data/).

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

from dxcore import limits
from dxcore.errors import DxError
from dxcore.i18n import LANGS, normalise_lang, t

COMMAND_MODULES = tuple(sorted(f"dxcore.{p.stem}" for p in Path(__file__).parent.glob("cli_*.py")))
EXIT_USAGE = 2
SHOWN_ITEMS = 10  # a message that lists ids or values names this many and counts the rest
SHOWN_CHARS = 40  # and shows at most this much of each
MAX_INT_DIGITS = 18


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


def read_limited(path: str, limit: int) -> bytes | None:
    """A file's bytes (stdin for '-'), or None when it holds more than ``limit`` bytes —
    known from its size when it has one, and never by reading more than limit + 1."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as fh:
                if os.fstat(fh.fileno()).st_size > limit:
                    return None
                data = fh.read(limit + 1)
    except OSError as e:
        raise DxError("cli.error.unreadable", path=path, reason=e.strerror or str(e)) from None
    return None if len(data) > limit else data


def read_json(path: str) -> object:
    """JSON from a file, or stdin for '-'; a DxError saying what is wrong otherwise."""
    data = read_limited(path, limits.MAX_JSON_BYTES)
    if data is None:
        raise DxError("limits.cli.json_too_big", path=path, limit=limits.mb(limits.MAX_JSON_BYTES))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DxError("cli.error.unreadable", path=path, reason=str(e)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DxError("cli.error.bad_json", path=path, line=e.lineno, col=e.colno, reason=e.msg) from None
    except RecursionError:
        raise DxError("limits.cli.json_too_deep", path=path) from None
    except ValueError:  # Python's limit on the digits of an integer (4,300)
        raise DxError("limits.cli.json_number_too_long", path=path) from None


def shown(value: object) -> str:
    """A value as a message shows it: its repr, cut short."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10 ** MAX_INT_DIGITS else "<…>"
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def short_list(items, lang: str, sep: str = "; ") -> str:
    """The first SHOWN_ITEMS of ``items`` joined, and how many more there were."""
    items = list(items)
    head = sep.join(items[:SHOWN_ITEMS])
    rest = len(items) - SHOWN_ITEMS
    return head if rest <= 0 else head + t("limits.cli.and_more", lang, n=f"{rest:,}")


def integer(raw: str) -> int:
    """An integer argument (an id, a limit): a few digits, never 4,300 of them."""
    text = raw.strip()
    if not text.lstrip("+-").isdigit() or len(text.lstrip("+-")) > MAX_INT_DIGITS:
        raise argparse.ArgumentTypeError(t("limits.cli.bad_integer", _lang(), value=shown(raw)))
    return int(text)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one sentence on stderr (exit 2), with a pointer to --help."""

    def error(self, message: str):
        say(t("limits.cli.usage", _lang(), prog=self.prog, message=message[:300]))
        raise SystemExit(EXIT_USAGE)


def _lang() -> str:
    """The language asked for on the command line or in DX_LANG (before parsing is done)."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a.startswith("--lang="):
            return normalise_lang(a.split("=", 1)[1])
        if a == "--lang" and i + 1 < len(argv):
            return normalise_lang(argv[i + 1])
    return normalise_lang(os.environ.get("DX_LANG"))


def say(message: str) -> None:
    """One sentence on stderr, whatever state stderr is in."""
    try:
        print(message, file=sys.stderr, flush=True)
    except Exception:  # noqa: BLE001 — nowhere left to say it
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m dxcore", description="行政DX 再起動ナビ — command line")
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
    lang = args.lang
    try:
        return emit(args.func(args))
    except DxError as e:
        say(e.message(lang))
    except BrokenPipeError:  # the reader went away (… | head): stop writing, say so once
        _stdout_to_devnull()
        say(t("limits.cli.broken_pipe", lang))
    except MemoryError:
        say(t("limits.cli.memory", lang))
    except RecursionError:
        say(t("limits.cli.too_deep", lang))
    except KeyboardInterrupt:
        say(t("limits.cli.interrupted", lang))
    except Exception as e:  # noqa: BLE001 — the promise is one sentence, never a traceback
        if os.environ.get("DX_DEBUG"):
            raise
        say(t("limits.cli.unexpected", lang, kind=type(e).__name__, reason=shown(str(e))))
    return EXIT_USAGE


def _stdout_to_devnull() -> None:
    """Python flushes stdout once more at exit; into a closed pipe that would be a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
