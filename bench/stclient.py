"""A Streamlit client that speaks the browser's protocol, for benchmarks and tests.

It opens the websocket at ``/_stcore/stream`` as the browser does and exchanges the
protobuf messages of the installed ``streamlit`` package: it sends ``BackMsg.rerun_script``
(query string, page, widget states, or a fragment's id) and reads ``ForwardMsg`` until
``script_finished``.  What the script drew is kept as a flat map of delta paths to element
protos, so a caller can find a widget by its key, read its options and send a value back,
exactly as a phone's browser would (see :meth:`Session.set`, :meth:`Session.click`), or read
a components v2 element's data and send its trigger value (:meth:`Session.trigger`).

No Streamlit UI code runs here: only ``streamlit.proto`` and the ``websockets`` package that
Streamlit itself depends on.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
INTERNAL_KEY_PREFIX = "$$STREAMLIT_INTERNAL_KEY"  # a components v2 trigger's id: <prefix>_<element id>__events
TEXT_FIELDS = {"markdown": "body", "heading": "body", "alert": "body", "text": "body", "caption": "body",
               "code": "code_text", "exception": "message", "metric": "body"}


class ProtocolError(RuntimeError):
    pass


@dataclass
class Element:
    path: tuple[int, ...]
    kind: str  # the Element oneof: "radio", "button", "markdown", "alert", …
    proto: object

    @property
    def id(self) -> str:
        return getattr(self.proto, "id", "")

    @property
    def key(self) -> str | None:
        """The user key the script gave the widget (the id ends with ``-<key>``)."""
        widget_id = self.id
        if not widget_id.startswith("$$ID-"):
            return None
        parts = widget_id.split("-", 2)
        return parts[2] if len(parts) == 3 and parts[2] != "None" else None

    @property
    def text(self) -> str:
        if self.kind == "metric":
            return f"{self.proto.label} {self.proto.body}"
        name = TEXT_FIELDS.get(self.kind)
        return str(getattr(self.proto, name, "")) if name else ""

    @property
    def form_id(self) -> str:
        return getattr(self.proto, "form_id", "")

    @property
    def data(self):
        """A components v2 element's data (what the script passed as ``data=``), as JSON."""
        if self.kind != "bidi_component":
            return None
        kind = self.proto.WhichOneof("data")
        text = {"json": self.proto.json, "mixed": self.proto.mixed.json, "bytes": self.proto.bytes}.get(kind)
        return json.loads(text) if text else None


@dataclass
class Run:
    """One rerun request as the client saw it: sent → ``script_finished``."""

    seconds: float
    status: int
    script_runs: int  # the server's script runs for this request (st.rerun / switch_page add some)
    fragment_id: str = ""
    exceptions: list[str] = field(default_factory=list)


class Session:
    """One browser tab: a websocket, the page's query string and the widget values it sends.

    ``headers`` are sent with the websocket handshake (e.g. ``X-Forwarded-For``, which the
    server trusts only from a proxy on its own machine).
    """

    def __init__(self, base_url: str, path: str = "", query: str = "", headers: dict | None = None,
                 timeout: float = 300.0):
        self.ws_url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self.page_name = path.strip("/")
        self.query = query
        self.headers = headers or {}
        self.timeout = timeout
        self.page_script_hash = ""
        self.elements: dict[tuple[int, ...], Element] = {}
        self.values: dict[str, WidgetState] = {}  # what this "browser" sends with every rerun
        self.auto_reruns: dict[str, float] = {}  # fragment id → interval (st.fragment(run_every=…))
        self.runs: list[Run] = []
        self._ws = None

    # connection ---------------------------------------------------------------------

    async def connect(self) -> None:
        self._ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                            additional_headers=self.headers, open_timeout=self.timeout,
                                            ping_interval=None)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # reruns -------------------------------------------------------------------------

    async def rerun(self, trigger: str | WidgetState | None = None, fragment_id: str = "") -> Run:
        """Ask for a rerun with the current values (plus ``trigger``, a button id pressed once,
        or a trigger's whole state) and read until the script has finished; the elements then
        show what it drew."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.page_name = "" if self.page_script_hash else self.page_name
        state.fragment_id = fragment_id
        state.is_auto_rerun = bool(fragment_id)
        for value in self.values.values():
            if fragment_id and value.trigger_value:
                continue
            state.widget_states.widgets.append(value)
        if isinstance(trigger, WidgetState):
            state.widget_states.widgets.append(trigger)
        elif trigger is not None:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        run = await self._read_until_finished(fragment_id)
        run.seconds = time.perf_counter() - started
        self.runs.append(run)
        return run

    async def _read_until_finished(self, fragment_id: str) -> Run:
        runs, exceptions = 0, []
        fresh = not fragment_id
        while True:
            data = await asyncio.wait_for(self._ws.recv(), self.timeout)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                runs += 1
                if fresh:  # a full run draws the page again from nothing
                    self.elements = {}
                    self.auto_reruns = {}
            elif kind == "navigation":
                if msg.navigation.page_script_hash:
                    self.page_script_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                self.auto_reruns.clear()
            elif kind == "delta":
                self._apply_delta(msg, exceptions)
            elif kind == "script_finished":
                status = msg.script_finished
                if status in FINISHED:
                    return Run(0.0, status, max(runs, 1), fragment_id, exceptions)
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise ProtocolError("the script did not compile")
                # FINISHED_EARLY_FOR_RERUN: st.rerun / st.switch_page; the next run follows

    def _apply_delta(self, msg: ForwardMsg, exceptions: list[str]) -> None:
        delta = msg.delta
        path = tuple(msg.metadata.delta_path)
        which = delta.WhichOneof("type")
        if which == "new_element":
            kind = delta.new_element.WhichOneof("type")
            proto = getattr(delta.new_element, kind)
            self.elements[path] = Element(path, kind, proto)
            if kind == "exception":
                exceptions.append(f"{proto.type}: {proto.message}")
        elif which == "add_block":
            self.elements = {p: e for p, e in self.elements.items() if p[:len(path)] != path}

    # what is on the screen ----------------------------------------------------------

    def all(self, kind: str | None = None) -> list[Element]:
        return [e for _, e in sorted(self.elements.items()) if kind is None or e.kind == kind]

    def widget(self, key: str) -> Element | None:
        """The widget whose key is ``key`` (or starts with ``key-``: the language-suffixed keys)."""
        for e in self.all():
            k = e.key
            if k is not None and (k == key or k.startswith(key + "-")):
                return e
        return None

    def widgets(self, prefix: str, kind: str | None = None) -> list[Element]:
        return [e for e in self.all(kind) if (e.key or "").startswith(prefix)]

    def texts(self) -> list[str]:
        return [e.text for e in self.all() if e.text]

    def has_text(self, text: str) -> bool:
        return any(text in t for t in self.texts())

    # what the user does -------------------------------------------------------------

    def set(self, element: Element, value) -> None:
        """Choose ``value`` in a widget, as the browser would send it: a radio's option is its
        label (a string), a text input a string, a checkbox a bool, a number a float."""
        state = WidgetState(id=element.id)
        if isinstance(value, bool):
            state.bool_value = value
        elif isinstance(value, (int, float)) and element.kind == "number_input":
            state.double_value = float(value)
        else:
            state.string_value = str(value)
        self.values[element.id] = state

    async def change(self, element: Element, value) -> Run:
        """Set a widget outside a form: the browser reruns the script at once."""
        self.set(element, value)
        return await self.rerun()

    async def click(self, element: Element) -> Run:
        """Press a button (a form's submit button sends the form's values with it)."""
        return await self.rerun(trigger=element.id)

    async def trigger(self, element: Element, event: str, value) -> Run:
        """What a components v2 element's ``setTriggerValue(event, value)`` makes the browser
        send: one rerun with the element's events as a JSON trigger value (sent once)."""
        return await self.rerun(trigger=trigger_state(element.id, event, value))


def trigger_state(element_id: str, event: str, value) -> WidgetState:
    """The widget state a browser sends for ``setTriggerValue(event, value)`` of the components v2
    element ``element_id`` (as seen with playwright's ``framesent``): the element's events, as
    a JSON list, under an id of their own."""
    return WidgetState(id=f"{INTERNAL_KEY_PREFIX}_{element_id}__events",  # JSON.stringify's own spelling:
                       json_trigger_value=json.dumps([{"event": event, "value": value}], ensure_ascii=False,
                                                     separators=(",", ":")))
