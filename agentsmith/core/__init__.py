"""The bottom layer: the seed's values (``seed``), prop rules and their errors (``rules``, ``quantity``, ``url``,
``redis_props``), the value-class base (``values``) and the identity map (``identity``). It imports nothing else
of the package but ``agentsmith.errors``."""
