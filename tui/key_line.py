"""Keys applied in the order they were typed, each by the widget focused when its turn comes.

Textual's App hands a key to the widget focused *when the App reads it*, by posting it to that
widget's queue; the key's bindings run later, when it has come back up to the App. In a burst
(`/santacoder` arrives in one read of the terminal) every letter is posted to the list before
`/` has moved the focus to the search field; the letters then come back up to the App, where
the search field's bindings leave printable keys to it, and they are lost. The keys after one
that opens a dialog (`t`, `x`, `i`) went the same way. And keys typed while the library opens
reached a list with no papers.

`OrderedKeysApp` keeps the keys in one line:
- a key is forwarded when the one before it has settled: a round of callbacks queued behind
  every message of the app and its screen has run and found every queue empty, so its bindings
  have run (or a widget took it) and what it set off is done (a dialog it opened is up and
  focused). A keystroke typed alone waits for nothing, nor does a letter behind another that the
  focused field takes as text;
- a key that comes back up to the App from a widget that has lost the focus since starts again
  at the widget focused now, in place of running bindings that are not the focused widget's;
- until `keys_ready()` (the reader's first view is on screen) keys are held, then replayed in
  order. Keys of the app's priority bindings (`ctrl+q`, `ctrl+c`) are never held.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from functools import partial
from typing import Generic, TypeVar

from textual import events
from textual.app import App, ScreenError
from textual.binding import Binding
from textual.message_pump import MessagePump
from textual.widget import Widget

ReturnType = TypeVar("ReturnType")

# Whether a key has settled is seen in rounds: a callback queued behind every message of the app
# and its screen; when all have run, everything queued before has been handled. A round that
# ends with every queue empty means the key and what it set off are done. When messages keep
# coming (an import's progress) rounds may never end quiet: the next key goes after MAX_ROUNDS;
# and a key whose round never ends (a widget closed with a callback in its queue) after KEY_LIMIT_S.
MAX_ROUNDS = 50
KEY_LIMIT_S = 3.0
# Keys forwarded and not back yet, remembered with the widget they went to (most are taken by a
# widget and never come back: only the last ones are kept).
REMEMBERED_KEYS = 64


class OrderedKeysApp(App[ReturnType], Generic[ReturnType]):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keys_ready = False
        self._held_keys: deque[events.Key] = deque()
        self._key_released: events.Key | None = None  # a held key posted back to the app: its turn
        self._key_on_way: events.Key | None = None  # the last key forwarded, until it has settled
        self._key_targets: OrderedDict[int, tuple[events.Key, Widget]] = OrderedDict()
        self._round: object | None = None  # the round under way (see MAX_ROUNDS)
        self._round_callbacks = 0  # its callbacks not run yet
        self._rounds = 0  # rounds run for the key on its way
        self._keys_forwarded = 0  # numbers the key on its way (even once re-routed)
        self._priority_keys: set[str] | None = None

    def keys_ready(self) -> None:
        """Keys are applied from now on; those held are replayed in order."""
        if not self._keys_ready:
            self._keys_ready = True
            self._release_next_key()

    @property
    def keys_waiting(self) -> int:
        """Keys typed and not applied yet."""
        return len(self._held_keys) + (self._key_released is not None)

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key):
            await super().on_event(event)
        elif event.is_forwarded:
            await self._key_came_back(event)
        elif event is self._key_released:
            self._key_released = None
            await self._forward_key(event)
        elif not self._keys_ready and self._is_priority(event):
            await super().on_event(event)  # quitting never waits for the library
        elif self._must_wait():
            self._held_keys.append(event)
        else:
            await self._forward_key(event)

    def _must_wait(self) -> bool:
        busy = self._key_on_way is not None or self._key_released is not None or bool(self._held_keys)
        return busy or not self._keys_ready

    def _is_priority(self, key: events.Key) -> bool:
        if self._priority_keys is None:
            bindings = (b for cls in type(self).__mro__ for b in Binding.make_bindings(getattr(cls, "BINDINGS", ())))
            self._priority_keys = {binding.key for binding in bindings if binding.priority}
        return key.key in self._priority_keys

    async def _forward_key(self, key: events.Key) -> None:
        target = self._focus_target()
        if target is None:  # the app is closing: the key has nowhere to go
            return
        self._key_on_way, self._rounds = key, 0
        self._keys_forwarded += 1
        await super().on_event(key)  # a priority binding runs, or the key is posted to `target`
        if key.is_forwarded and target is self.focused and target.check_consume_key(key.key, key.character):
            # The focused field takes it as text: the next key goes there too, behind it.
            self._key_settled()
            return
        if key.is_forwarded:
            self._remember_target(key, target)
        self.set_timer(KEY_LIMIT_S, partial(self._key_overdue, self._keys_forwarded))
        self._start_round()

    async def _key_came_back(self, key: events.Key) -> None:
        """The key went up from its widget untaken: its bindings run here, from the focused
        widget up. Unless the focus moved since it was forwarded: then it starts over there."""
        _key, target = self._key_targets.pop(id(key), (key, None))
        focused = self._focus_target()
        if target is not None and focused is not None and focused is not target:
            again = events.Key(key.key, key.character)
            if key is self._key_on_way:
                self._key_on_way = again
            self._remember_target(again, focused)
            focused._forward_event(again)  # as App.on_event forwards a key (marked forwarded)
            return
        await super().on_event(key)

    def _focus_target(self) -> Widget | None:
        """Where the App forwards a key now: the focused widget, else the screen."""
        try:
            return self.focused or self.screen
        except ScreenError:
            return None

    def _remember_target(self, key: events.Key, target: Widget) -> None:
        self._key_targets[id(key)] = (key, target)  # the key is kept, so its id is not reused
        while len(self._key_targets) > REMEMBERED_KEYS:
            self._key_targets.popitem(last=False)

    def _start_round(self) -> None:
        """Queue a callback behind every message of the app and its screen (see MAX_ROUNDS)."""
        if self._key_on_way is None or self._round is not None:
            return
        self._rounds += 1
        self._round = round_ = object()
        self._round_callbacks = sum(node.call_later(self._round_callback, round_) for node in self._settle_nodes())
        if not self._round_callbacks:
            self._round_over()

    def _round_callback(self, round_: object) -> None:
        if round_ is self._round:
            self._round_callbacks -= 1
            if not self._round_callbacks:
                self._round_over()

    def _round_over(self) -> None:
        self._round = None
        quiet = not any(node.message_queue_size for node in self._settle_nodes())
        if quiet or self._rounds >= MAX_ROUNDS:
            self._key_settled()
        else:
            self._start_round()

    def _key_overdue(self, number: int) -> None:
        if self._key_on_way is not None and number == self._keys_forwarded:
            self._round = None
            self._key_settled()

    def _key_settled(self) -> None:
        self._key_on_way = None
        self._release_next_key()

    def _settle_nodes(self) -> list[MessagePump]:
        """The app and every node of its screen: where what a key sets off is handled."""
        try:
            screen = self.screen
        except ScreenError:  # the app is closing: nothing is waited for
            return []
        return [self, *screen.walk_children(with_self=True)]

    def _release_next_key(self) -> None:
        if self._keys_ready and self._key_on_way is None and self._key_released is None and self._held_keys:
            # Posted to the app's own queue, so that it is forwarded from the app's task, in order.
            self._key_released = self._held_keys.popleft()
            self.post_message(self._key_released)
