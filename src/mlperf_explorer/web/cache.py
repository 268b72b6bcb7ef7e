"""A response cache for the playground.

The server reads its store read-only and writers replace the file whole (store/live.py), so
a page's bytes change only when the file does: a GET answered once is answered again from
memory until then. Bounded by entries and bytes (least recently used go first).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

MAX_ENTRIES = 512
MAX_BYTES = 96 * 1024 * 1024
MAX_ENTRY = 4 * 1024 * 1024


class ResponseCache:
    def __init__(self, app: Callable, generation: Callable[[], Any] = lambda: None,
                 max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.app = app
        self.generation = generation  # changes when the store's file is replaced
        self.seen = None
        self.entries: OrderedDict[str, tuple[dict, bytes]] = OrderedDict()
        self.size = 0
        self.max_entries, self.max_bytes = max_entries, max_bytes

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        generation = self.generation()
        if generation != self.seen:  # a writer replaced the store: forget every page
            self.entries.clear()
            self.size = 0
            self.seen = generation
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
            start, body = hit
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        start_msg: dict[str, Any] = {}
        chunks: list[bytes] = []
        cacheable = True

        async def capture(message: dict) -> None:
            nonlocal cacheable
            if message["type"] == "http.response.start":
                start_msg.update(message)
                cacheable = message["status"] == 200
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > MAX_ENTRY:
                    cacheable = False
            await send(message)

        await self.app(scope, receive, capture)
        if cacheable and start_msg:
            body = b"".join(chunks)
            self.entries[key] = (start_msg, body)
            self.size += len(body)
            while len(self.entries) > self.max_entries or self.size > self.max_bytes:
                _, (_, old) = self.entries.popitem(last=False)
                self.size -= len(old)
