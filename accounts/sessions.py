"""Sessions in Redis, renewed without being rewritten (SESSION_ENGINE when REDIS_URL is set).

The idle timeout counts from the last request (SESSION_SAVE_EVERY_REQUEST), so every request must
move the session's expiry. Django's cache sessions do that by writing the whole session again;
here a request that changed nothing in the session only moves its expiry (Redis EXPIRE), and the
session is written only when its content changes. The database holds no session rows.
"""

from django.contrib.sessions.backends import cache


class SessionStore(cache.SessionStore):
    def save(self, must_create=False):
        if (
            not must_create
            and not self.modified
            and self.session_key
            and self._cache.touch(self.cache_key, self.get_expiry_age())
        ):
            return
        super().save(must_create=must_create)
