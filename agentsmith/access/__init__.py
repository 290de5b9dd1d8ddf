"""Who logs in to the bus and what each login may run: RedisAccess, RedisAuth, RedisRole.

The modules behind it: ``access`` (the modes), ``auth`` and ``roles`` (passwords from Secrets),
``server`` (what a mode writes into the Redis pod), ``acl`` and ``costs`` (the ACL rules and the command
cost table they come from), ``limits`` (client memory and connection bounds). docs/security.md,
"Least privilege on the bus", is the narrative.
"""

from agentsmith.access.access import (
    DEFAULT_ACCESS,
    DEFAULT_MAX_CLIENTS,
    DEFAULT_MAX_VALUE_SIZE,
    AccessMode,
    RedisAccess,
)
from agentsmith.access.auth import RedisAuth
from agentsmith.access.roles import DEFAULT_AGENT_KEY_PATTERN, RedisRole, RoleAccess

__all__ = [
    "DEFAULT_ACCESS",
    "DEFAULT_AGENT_KEY_PATTERN",
    "DEFAULT_MAX_CLIENTS",
    "DEFAULT_MAX_VALUE_SIZE",
    "AccessMode",
    "RedisAccess",
    "RedisAuth",
    "RedisRole",
    "RoleAccess",
]
