"""What a classroom room holds, its limits, and the checks every back end shares.

A room is a short code, a lecturer secret, the view the lecturer last sent (a page and its
URL query) and at most one poll with its votes. The back ends (`memory.InProcessStore`,
`redis_store.RedisStore`) keep that state; this module says what is valid, so both refuse
the same inputs with the same messages.

Room codes: ``CODE_LENGTH`` = 6 symbols from ``CODE_ALPHABET``, the digits 2–9 and the
capitals without I, L, O and U (no 0/O, 1/I/L, U/V to mix up when read off a projector):
30 symbols, 30⁶ = 729,000,000 codes. With at most ``MAX_ROOMS`` = 1,000 live rooms a guess
hits one with probability ≤ 1,000 / 7.29·10⁸ ≈ 1.4·10⁻⁶; at ``JOINS_PER_MINUTE`` = 10 joins a
minute per session, a session needs 7.29·10⁵ guesses on average, 50 days of guessing, and the
room has expired long before (``ROOM_TTL_S``).

Only a hash of the lecturer secret is kept (`secret_digest`), and compared in constant time,
so neither a store's dump nor a timing measurement gives a student the lecturer's rights.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from numbers import Integral, Real
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from app_support.navigation import PAGES

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
ROOM_TTL_S = 4 * 3600  # a room lives this long after its last activity
MAX_ROOMS = 1000  # live rooms one in-process store holds
JOINS_PER_MINUTE = 10  # room look-ups per session id
VOTES_PER_MINUTE = 30  # votes (first or changed) per student id
MAX_VOTERS = 1000  # students who may vote in one poll

MAX_QUERY = 2000  # characters of a sent view's query string
MAX_PARAMS = 64  # parameters in it
MAX_VALUE = 300  # characters of one value: app_support.urlstate.MAX_TEXT, a deep link's limit
MAX_QUESTION = 500
MAX_OPTION = 200
MAX_OPTIONS = 8
MAX_ANSWER = 200
MAX_NUMBER = 1e9  # a "predict a number" vote's largest magnitude
MAX_ID = 64  # characters of a student or session id

# A page's name is its URL path: the script's file name without ".py"; "home" is the home page.
PAGE_NAMES: tuple[str, ...] = ("home", *(info.path.rsplit("/", 1)[-1][:-3] for info in PAGES))
_PARAM_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,40}")
_ID = re.compile(rf"[A-Za-z0-9_\-]{{1,{MAX_ID}}}")


class RoomError(Exception):
    """A request the store refused; ``message`` is a sentence for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoomNotFound(RoomError):
    """No room has this code: it was never created, was mistyped, or has expired."""


class NotLecturer(RoomError):
    """The lecturer secret is missing or wrong."""


class RateLimited(RoomError):
    """Too many joins or votes from one session in a minute."""


class StoreUnavailable(RoomError):
    """The shared store (Redis) cannot be reached: rooms are off, the lab works on its own."""


class PollClosed(RoomError):
    """A vote for a poll that is no longer open (closed, revealed or replaced)."""


class View(NamedTuple):
    version: int  # the room's version when this view was sent
    page: str  # one of PAGE_NAMES
    query: str  # the URL query, checked by `clean_query` (the page checks each value)


class Poll(NamedTuple):
    poll_id: str
    question: str
    options: tuple[str, ...]  # () for a "predict a number" poll
    numeric: bool
    state: str  # "open" | "closed" | "revealed"
    answer: str  # the right answer's text once revealed, "" before


class PollCounts(NamedTuple):
    poll: Poll
    counts: tuple[int, ...] | None  # votes per option; None for a numeric poll
    numbers: tuple[float, ...]  # a numeric poll's votes, sorted (no ids); () otherwise
    votes: int


POLL_STATES = ("open", "closed", "revealed")
# The states a poll may move to `state` from: closing a revealed poll changes nothing.
STATES_BEFORE = {"closed": ("open",), "revealed": ("open", "closed")}

NOT_FOUND = "No room has this code: check it, or ask the lecturer for the current one."
NOT_LECTURER = "Only the lecturer of this room can do that."
UNAVAILABLE = "Rooms are unavailable right now; the lab itself works as usual."


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def new_student_id() -> str:
    """A random id for a student's session: no name, nothing that identifies a person."""
    return secrets.token_urlsafe(12)


def new_poll_id() -> str:
    return secrets.token_urlsafe(8)


def secret_digest(secret: str) -> str:
    """What a store keeps of a lecturer secret: its SHA-256 (the secret is 192 random bits,
    so no salt or slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret, digest: str | None) -> bool:
    """Whether `secret` is the one whose digest is kept; constant time in the secret."""
    if digest is None or not isinstance(secret, str) or not secret or len(secret) > 200:
        return False
    return hmac.compare_digest(secret_digest(secret), digest)


def normalize_code(text) -> str:
    """A typed room code as stored: capitals, spaces and dashes dropped; RoomNotFound when it
    cannot be a code (wrong length or a symbol the alphabet lacks)."""
    if not isinstance(text, str) or len(text) > 40:
        raise RoomNotFound(NOT_FOUND)
    code = re.sub(r"[\s\-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise RoomNotFound(NOT_FOUND)
    return code


def check_id(value, what: str) -> str:
    """A student or session id: url-safe characters, at most MAX_ID of them."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise RoomError(f"That {what} is not valid.")
    return value


def clean_page(page) -> str:
    if not isinstance(page, str) or page not in PAGE_NAMES:
        raise RoomError("That page is not part of the lab.")
    return page


def clean_query(query) -> str:
    """A view's URL query in canonical form (``a=1&b=x``), or RoomError saying why not.

    The checks are those every deep link gets before a page reads it: bounded length and
    count, parameter names of letters, digits and ``_.-``, values of printable characters no
    longer than a text setting allows. Whether a value fits its setting (a number in range,
    a known choice) only the page knows: it checks each one when it applies the view, exactly
    as for a link someone typed, falling back to the default with a notice.
    """
    if not isinstance(query, str):
        raise RoomError("A view's settings must be a URL query.")
    query = query.removeprefix("?")
    if len(query) > MAX_QUERY:
        raise RoomError(f"A view's settings are at most {MAX_QUERY} characters.")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise RoomError("A view's settings are not a valid URL query.") from None
    if len(pairs) > MAX_PARAMS:
        raise RoomError(f"A view has at most {MAX_PARAMS} settings.")
    for name, value in pairs:
        if not _PARAM_NAME.fullmatch(name):
            raise RoomError("A view's setting has an invalid name.")
        if len(value) > MAX_VALUE or not value.isprintable():
            raise RoomError(f"The view's value for {name} is not valid.")
    return urlencode(pairs)


def clean_poll(question, options, numeric, answer) -> tuple[str, tuple[str, ...], bool, str]:
    """A poll's text, checked: a question, 2–8 options (none for a numeric poll), an answer."""
    if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION:
        raise RoomError(f"A poll needs a question of at most {MAX_QUESTION} characters.")
    options = tuple(options)
    numeric = bool(numeric)
    if numeric and options:
        raise RoomError("A 'predict a number' poll has no options.")
    if not numeric and not 2 <= len(options) <= MAX_OPTIONS:
        raise RoomError(f"A poll has 2 to {MAX_OPTIONS} options.")
    if any(not isinstance(o, str) or not o.strip() or len(o) > MAX_OPTION for o in options):
        raise RoomError(f"Each option is a text of at most {MAX_OPTION} characters.")
    if not isinstance(answer, str) or len(answer) > MAX_ANSWER:
        raise RoomError(f"The answer is a text of at most {MAX_ANSWER} characters.")
    return question, options, numeric, answer


def clean_choice(choice, poll: Poll) -> int | float:
    """A vote for `poll`: an option's index, or a finite number for a numeric poll."""
    if isinstance(choice, bool):
        raise RoomError("That vote is not valid.")
    if poll.numeric:
        if not isinstance(choice, Real) or not math.isfinite(choice):
            raise RoomError("Your prediction must be a number.")
        if abs(choice) > MAX_NUMBER:
            raise RoomError(f"Your prediction must lie within ±{MAX_NUMBER:.0e}.")
        return float(choice)
    if not isinstance(choice, Integral) or not 0 <= choice < len(poll.options):
        raise RoomError("That vote is not one of the options.")
    return int(choice)


def shown_poll(poll: Poll) -> Poll:
    """The poll as anyone sees it: the answer only once revealed."""
    return poll if poll.state == "revealed" else poll._replace(answer="")


def tally(poll: Poll, choices) -> PollCounts:
    """Counts of the votes `choices` (values only: no student id leaves a store)."""
    choices = list(choices)
    if poll.numeric:
        return PollCounts(shown_poll(poll), None, tuple(sorted(choices)), len(choices))
    counts = [0] * len(poll.options)
    for choice in choices:
        counts[int(choice)] += 1
    return PollCounts(shown_poll(poll), tuple(counts), (), len(choices))
