"""The Redis broker transport of the workers and the web process: kombu's own, with one fix so a worker
outlives a Redis restart (settings.CELERY_BROKER_TRANSPORT; docs/operations.md, "Redis restarts").

Celery 5.7.0 closes a lost broker connection twice: `Connection.collect()`, then `Connection.close()`
(celery/celery#10242, first released in 5.7.0). kombu 5.7.0's Redis channel reads the pending BRPOP reply
before anything else when it closes; on the dead socket that read raises, so the first close stops before
the channel is marked closed, and `collect()` then detaches the transport from its connection. The second
close runs the whole channel close again and, when the worker holds unacknowledged messages (countdown
tasks it is waiting to run), restores them through a new Redis client built from the detached connection:
AttributeError "'NoneType' object has no attribute 'hostname'", which is not a connection error, so it
ends the worker's main process. No released celery or kombu fixes it (5.7.0 of both is the newest).

A close that fails on a connection error here still marks the channel closed, so the second close has
nothing left to do. What is lost is only the restore of the unacknowledged messages at that moment, which
could not have reached a Redis that is down anyway: they stay in Redis's unacked set and come back after
the visibility timeout, as they would after a worker crash."""

from __future__ import annotations

from kombu.transport import redis


class RedisChannel(redis.Channel):
    def close(self) -> None:
        try:
            super().close()
        except self.connection_errors:
            self.closed = True
            raise


class RedisTransport(redis.Transport):
    Channel = RedisChannel
