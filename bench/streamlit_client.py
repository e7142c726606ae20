"""A small client of Streamlit's own websocket protocol, for load tests.

A browser tab talks to a Streamlit server over one websocket, ``/_stcore/stream``. It sends
``BackMsg`` protobufs: ``rerun_script`` carries a ``ClientState`` (the URL's query string, the
page and the ``WidgetStates``, one value per widget id). The server answers with ``ForwardMsg``
protobufs: ``new_session`` when a run starts, ``delta`` messages that place elements at a
``delta_path``, ``page_info_changed`` when the script writes ``st.query_params``, and
``script_finished`` when the run ends. This module speaks exactly that, so one process can play
many students, each with its own server-side session, at a fraction of a browser's cost.

Widget ids are learned the way the frontend learns them: from the ids in the elements the server
sends. The client sends the values of the widgets it has set; the server gives every other widget
its default, as it does for a widget the user has not touched.

Reference: the protocol definitions in ``streamlit/proto`` (BackMsg, ForwardMsg, ClientState,
WidgetStates) and the server side in ``streamlit/web/server/starlette/starlette_websocket.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.cookies
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

# A run ends for good on these statuses; FINISHED_EARLY_FOR_RERUN means another run follows
# (the script called st.rerun(), or a newer rerun request interrupted it).
_FINAL_STATUSES = (
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)


class SessionError(RuntimeError):
    """The server closed the session, or a run did not finish in time."""


@dataclass(frozen=True)
class Widget:
    """A widget as the server described it: ``kind`` is the element type ("slider" ...)."""

    kind: str
    proto: Any

    @property
    def id(self) -> str:
        return self.proto.id

    @property
    def label(self) -> str:
        return getattr(self.proto, "label", "")


@dataclass
class RunResult:
    """What one script run sent back."""

    seconds: float  # from sending the rerun request to the final script_finished
    exceptions: list[str] = field(default_factory=list)  # messages of st.exception boxes
    compile_error: bool = False
    queries: list[str] = field(default_factory=list)  # every URL query the run wrote, in order


def _encode(widget: Widget, value: Any) -> WidgetState:
    """The ``WidgetState`` the frontend sends when the user sets ``widget`` to ``value``.

    The value types follow each widget's ``value_type`` in ``streamlit/elements/widgets``:
    sliders send a list of doubles (one, or two for a range), option widgets send the option's
    label as a string; select sliders and button groups (pills, segmented control) a list of
    labels.
    """
    state = WidgetState(id=widget.id)
    if widget.kind == "slider" and widget.proto.type == Slider.SELECT_SLIDER:
        values = value if isinstance(value, (list, tuple)) else [value]
        state.string_array_value.data.extend(str(v) for v in values)
    elif widget.kind == "slider":
        values = value if isinstance(value, (list, tuple)) else [value]
        state.double_array_value.data.extend(float(v) for v in values)
    elif widget.kind == "number_input":
        state.double_value = float(value)
    elif widget.kind in ("checkbox", "expandable"):  # an expander with on_change: open or not
        state.bool_value = bool(value)
    elif widget.kind == "button":
        state.trigger_value = bool(value)
    elif widget.kind in ("selectbox", "radio"):
        state.string_value = str(value)
    elif widget.kind in ("button_group", "multiselect"):
        values = value if isinstance(value, (list, tuple)) else [value]
        state.string_array_value.data.extend(str(v) for v in values)
    else:
        raise ValueError(f"setting a {widget.kind} is not supported by this client")
    return state


def fetch_cookie(base_url: str, timeout: float = 10.0) -> str:
    """GET the app's first page like a browser and return its cookies as a ``Cookie`` header.

    Behind a sticky load balancer the answer carries the cookie that pins this "browser" to
    one replica; the websocket must send it back to reach the same replica.
    """
    with urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=timeout) as response:
        jar = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


class StreamlitSession:
    """One browser tab's session: connect, run the page, set widgets, rerun.

    Use as ``async with StreamlitSession(url, page="playground") as s: await s.run()``.
    ``url`` is the app's base URL (``http://127.0.0.1:8501``); ``page`` is the page's URL path
    (empty for the default page); ``cookie`` a ``Cookie`` header for sticky routing.
    """

    def __init__(
        self,
        url: str,
        page: str = "",
        query_string: str = "",
        cookie: str = "",
        timeout: float = 60.0,
    ):
        self.url = url.rstrip("/")
        self.page = page
        self.query_string = query_string
        self.cookie = cookie
        self.timeout = timeout
        self.widgets: dict[str, Widget] = {}  # by widget id, as the last run drew them
        self.elements: dict[tuple[int, ...], Any] = {}  # the page as last drawn, by delta_path
        self._states: dict[str, WidgetState] = {}  # the values this client has set, by id
        # Fragments that rerun on a timer (st.fragment(run_every=...)): id -> seconds. The
        # browser reruns each on its timer; `run(fragment_id=...)` does what it sends.
        self.auto_reruns: dict[str, float] = {}
        self.page_script_hash = ""
        self._ws = None

    async def __aenter__(self) -> StreamlitSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def connect(self) -> None:
        ws_url = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self._ws = await websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers=headers,
            max_size=None,  # a figure with a 300² grid is a large message
            max_queue=None,  # keep reading (and answering pings) between runs
            open_timeout=self.timeout,
        )

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    def go_to(self, page: str) -> None:
        """Switch to another page on the next run, as a click in the navigation does: the
        same session, the new page's own URL and widgets."""
        self.page, self.query_string = page, ""
        self._states.clear()

    def find(self, kind: str, label: str = "") -> list[Widget]:
        """The widgets of element type ``kind`` whose label contains ``label``."""
        return [w for w in self.widgets.values() if w.kind == kind and label in w.label]

    def set(self, widget: Widget, value: Any) -> None:
        """Give ``widget`` the value ``value`` for the next run, as a user's input would."""
        self._states[widget.id] = _encode(widget, value)

    async def run(self, fragment_id: str = "") -> RunResult:
        """Ask for a rerun with the current widget values and wait until it has finished;
        with `fragment_id`, the timed rerun of that fragment (which may rerun the page)."""
        msg = BackMsg()
        client_state = msg.rerun_script
        client_state.query_string = self.query_string
        client_state.page_name = self.page
        client_state.widget_states.widgets.extend(self._states.values())
        if fragment_id:
            client_state.fragment_id = fragment_id
            client_state.is_auto_rerun = True
            client_state.page_script_hash = self.page_script_hash
        # A button's click is sent once, as the frontend does.
        self._states = {k: v for k, v in self._states.items() if not v.HasField("trigger_value")}
        started = time.perf_counter()
        try:
            await self._ws.send(msg.SerializeToString())
            result = await asyncio.wait_for(self._receive_run(bool(fragment_id)), self.timeout)
        except (websockets.ConnectionClosed, TimeoutError) as error:
            raise SessionError(f"{type(error).__name__}: {error}") from error
        result.seconds = time.perf_counter() - started
        return result

    async def _receive_run(self, fragment_run: bool = False) -> RunResult:
        result = RunResult(seconds=0.0)
        # As the browser does, a full run replaces the fragment timers with those it sets (a
        # fragment's id follows its place on the page: a stale one is never run again).
        timers: dict[str, float] = {}
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self._ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash
                self.elements.clear()
                self.widgets.clear()
                result.exceptions.clear()
                timers.clear()
            elif kind == "auto_rerun":
                timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fragment in msg.stop_auto_rerun.fragment_ids:
                    self.auto_reruns.pop(fragment, None)
            elif (
                kind == "script_finished"
                and msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN
            ):
                fragment_run = False  # the whole page runs next
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._place(tuple(msg.metadata.delta_path), msg.delta.new_element, result)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
                block = msg.delta.add_block
                if block.WhichOneof("type") == "expandable" and block.expandable.id:
                    self.widgets[block.expandable.id] = Widget("expandable", block.expandable)
            elif kind == "page_info_changed":
                # The frontend rewrites the address bar and sends it back on the next rerun.
                self.query_string = msg.page_info_changed.query_string
                result.queries.append(self.query_string)
            elif kind == "script_finished" and msg.script_finished in _FINAL_STATUSES:
                result.compile_error = msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR
                if not fragment_run:
                    self.auto_reruns = timers
                return result

    def _place(self, path: tuple[int, ...], element: Any, result: RunResult) -> None:
        kind = element.WhichOneof("type")
        self.elements[path] = element
        if kind == "exception":
            result.exceptions.append(f"{element.exception.type}: {element.exception.message}")
            return
        proto = getattr(element, kind)
        if "id" in proto.DESCRIPTOR.fields_by_name and proto.id:
            self.widgets[proto.id] = Widget(kind, proto)

    def fingerprint(self) -> str:
        """A digest of what this session sees: its figures and its deep link.

        Two sessions in different states must see different fingerprints, and one session in
        one state always the same one (the figures are deterministic functions of the state).
        """
        digest = hashlib.sha256(self.query_string.encode())
        for path in sorted(self.elements):
            element = self.elements[path]
            if element.WhichOneof("type") == "bidi_component":  # the charts' figures
                digest.update(element.bidi_component.bytes)
        return digest.hexdigest()
