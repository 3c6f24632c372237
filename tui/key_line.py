"""Keys applied in the order they were typed, each by the widget focused when its turn comes.

Textual's App hands a key to the widget focused *when the App reads it*, by posting it to that
widget's queue; the key's bindings run later, when it has come back up to the App. In a burst
(`/santacoder` arrives in one read of the terminal) every letter is posted to the list before
`/` has moved the focus to the search field; the letters then come back up to the App, where
the search field's bindings leave printable keys to it, and they are lost. The keys after one
that opens a dialog (`t`, `x`, `i`) went the same way. And keys typed while the library opens
reached a list with no papers.

`OrderedKeysApp` keeps the keys in one line:
- a key is forwarded when the one before it has settled: every queue of the app and its screen
  is empty, so its bindings have run (or a widget took it) and what it set off is done (a dialog
  it opened is up and focused). A keystroke typed alone waits for nothing, nor does a letter
  behind another that the focused field takes as text;
- a key that comes back up to the App from a widget that has lost the focus since starts again
  at the widget focused now, in place of running bindings that are not the focused widget's;
- until `keys_ready()` (the reader's first view is on screen) keys are held, then replayed in
  order. Keys of the app's priority bindings (`ctrl+q`, `ctrl+c`) are never held.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from time import monotonic
from typing import Generic, TypeVar

from textual import events
from textual.app import App, ScreenError
from textual.binding import Binding
from textual.widget import Widget

ReturnType = TypeVar("ReturnType")

# How often the key on its way is looked at, while keys wait behind it.
SETTLE_POLL_S = 0.001
# When messages keep coming (an import's progress), the queues may never all be empty at once:
# then a key lets the next one go this long after its bindings ran, or after it was forwarded.
KEY_LIMIT_S = 2.0
EFFECTS_LIMIT_S = 0.1
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
        self._key_since = 0.0  # when it was forwarded
        self._key_done_at: float | None = None  # when its bindings ran, or a widget took it
        self._key_targets: OrderedDict[int, tuple[events.Key, Widget]] = OrderedDict()
        self._watching = False  # a timer looks at the key on its way
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
            self._watch_key_on_way()
        else:
            await self._forward_key(event)

    def _must_wait(self) -> bool:
        self._check_key_on_way()
        busy = self._key_on_way is not None or self._key_released is not None or bool(self._held_keys)
        return busy or not self._keys_ready

    def _is_priority(self, key: events.Key) -> bool:
        if self._priority_keys is None:
            bindings = (b for cls in type(self).__mro__ for b in Binding.make_bindings(getattr(cls, "BINDINGS", ())))
            self._priority_keys = {binding.key for binding in bindings if binding.priority}
        return key.key in self._priority_keys

    async def _forward_key(self, key: events.Key) -> None:
        self._key_on_way, self._key_since, self._key_done_at = key, monotonic(), None
        target = self._focus_target()
        if target is None:  # the app is closing: the key has nowhere to go
            self._key_on_way = None
            return
        await super().on_event(key)  # a priority binding runs, or the key is posted to `target`
        if not key.is_forwarded:
            self._key_done_at = monotonic()
        elif target is self.focused and target.check_consume_key(key.key, key.character):
            # The focused field takes it as text: the next key goes there too, behind it.
            self._key_on_way = None
            self._release_next_key()
            return
        else:
            self._remember_target(key, target)
        self._check_key_on_way()

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
        if key is self._key_on_way:
            self._key_done_at = monotonic()
            self._check_key_on_way()

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

    def _check_key_on_way(self) -> None:
        """Let the next key go once the key on its way is done and its effects have settled."""
        key = self._key_on_way
        if key is None:
            return
        now = monotonic()
        # Settled: no queue holds the key or anything it set off (a widget took it, or it ran).
        if self._settled():
            going_on = False
        elif self._key_done_at is None:
            going_on = now - self._key_since < KEY_LIMIT_S
        else:
            going_on = now - self._key_done_at < EFFECTS_LIMIT_S
        if going_on:
            if self._held_keys:  # nobody waits otherwise: the next key looks for itself
                self._watch_key_on_way()
            return
        self._key_on_way = None
        self._release_next_key()

    def _watch_key_on_way(self) -> None:
        if self._key_on_way is not None and not self._watching:
            self._watching = True
            self.set_timer(SETTLE_POLL_S, self._watch_fired)

    def _watch_fired(self) -> None:
        self._watching = False
        self._check_key_on_way()

    def _settled(self) -> bool:
        """Every message of the app and its screen handled: what the key set off is done."""
        try:
            screen = self.screen
        except ScreenError:  # the app is closing: nothing is waited for
            return True
        return not any(node.message_queue_size for node in [self, *screen.walk_children(with_self=True)])

    def _release_next_key(self) -> None:
        if self._keys_ready and self._key_on_way is None and self._key_released is None and self._held_keys:
            # Posted to the app's own queue, so that it is forwarded from the app's task, in order.
            self._key_released = self._held_keys.popleft()
            self.post_message(self._key_released)
