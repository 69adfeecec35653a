"""Charts (and other costly values) made once per input, not on every rerun.

``st.altair_chart`` turns the Altair chart into a Vega-Lite spec and validates it against
the schema on every run; with the building of the chart itself that was most of a rerun
of the KPI dashboard and of the projector's refresh.  Here the page names the function that
builds the chart and its arguments (data frames, definitions, language...); the spec, its data already
as Arrow (exactly what ``st.altair_chart`` would send), is kept per inputs and drawn
with ``st.vega_lite_chart``.  The same inputs give the same picture, so a new import, a
new answer or another language makes a new chart by itself.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable
from functools import partial
from types import MappingProxyType

import streamlit as st

# What st.altair_chart runs to convert a chart (its data to Arrow IPC): the same conversion,
# kept.  Private to Streamlit, hence pinned with it (requirements.txt) and used in one place.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec


class _Pickler(pickle.Pickler):
    """Pickles the read-only mappings our definitions use (``MappingProxyType``) as dicts."""

    def reducer_override(self, obj):
        if isinstance(obj, MappingProxyType):
            return dict, (dict(obj),)
        return NotImplemented


def digest(inputs: object) -> str:
    """A key for everything a chart is made from (equal inputs, equal key)."""
    out = io.BytesIO()
    _Pickler(out, protocol=5).dump(inputs)
    return hashlib.blake2b(out.getbuffer(), digest_size=16).hexdigest()


@st.cache_resource(max_entries=256, show_spinner=False)
def _kept(key: str, _make: Callable) -> object:
    del key  # the cache key: what the value is made from
    return _make()


def once(make: Callable, *args, made_of: object = None):
    """``make(*args)``, made again only when what it is made from changes: ``made_of`` if
    given, otherwise the function and its arguments.  The value is shared by every session:
    treat it as read-only."""
    if made_of is None:
        made_of = (make.__module__, make.__qualname__, args)
    return _kept(digest(made_of), partial(make, *args))


def _converted(build: Callable, args: tuple, height_of: Callable | None) -> tuple[dict, int | None]:
    built = build(*args)
    return _convert_altair_to_vega_lite_spec(built), (height_of(built) if height_of else None)


def draw(build: Callable, *args, key: str, width="stretch", height="content",
         height_of: Callable | None = None, made_of: object = None) -> None:
    """Draw the chart ``build(*args)`` makes, built and converted again only when what it is
    made from changes (see :func:`once`).  ``height_of(chart)`` measures the height from the
    chart where a page needs it."""
    if made_of is None:
        made_of = (build.__module__, build.__qualname__, args)
    spec, measured = once(_converted, build, args, height_of, made_of=("chart", made_of))
    # a copy of the top level: Streamlit moves the datasets out of the dict it is given
    st.vega_lite_chart(dict(spec), width=width, height=measured if height_of else height, key=key)
