"""RedisConnectionSecret: the Secret clients read the Redis URL from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import cdk8s
from constructs import Construct

from agentsmith.base import manifest
from agentsmith.base.construct import checked_init, public_signature, read_only
from agentsmith.checks import collisions, wiring
from agentsmith.core import seed
from agentsmith.core.rules import ConstructPath, PathArg, dns_label, dns_subdomain, fail, secret_key
from agentsmith.core.url import redis_url
from agentsmith.endpoint import SecretKeyRef

__all__ = ["RedisConnectionSecret"]


def add_connection_secret(
    scope: Construct,
    id: str,
    ref: SecretKeyRef,
    url: str,
    *,
    namespace: str | None = None,
    labels: Mapping[str, str] | None = None,
    client: bool = False,
    bus: wiring.Bus | None = None,
) -> cdk8s.ApiObject:
    """The one way a connection Secret is built: ``Opaque``, ``stringData: {ref.key: url}``, recorded for the
    wiring check (``client``: a copy for another namespace; ``bus``: the in-cluster Redis of ``url``)."""
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": manifest.metadata(ref.name, namespace=namespace, labels=labels),
        "type": "Opaque",
        "stringData": {ref.key: url},
    }
    secret = manifest.add_manifest(scope, id, body)
    wiring.published(secret, scope, url, client=client, bus=bus)
    return secret


def check_one_file_per_copy(path: PathArg, scope: Construct, name: str, home: str, copies: Sequence[str]) -> None:
    """Copies of Secret ``name`` in other namespaces share its name: one file per resource cannot hold them."""
    root = scope.node.root
    output = root.yaml_output_type if isinstance(root, cdk8s.App) else None
    per_resource = (cdk8s.YamlOutputType.FILE_PER_RESOURCE, cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE)
    if output in per_resource:
        first = copies[0]
        raise fail(
            path,
            "client_namespaces",
            list(copies),
            f"would publish Secret {name!r} in {home!r} and in {first!r}, and with "
            f"YamlOutputType.{output.name} cdk8s writes both to one file (Secret.{name}.k8s.yaml, no namespace)",
            "Use YamlOutputType.FILE_PER_CHART (the default), or pass "
            "access=RedisAccess.open(publish_connection_secret=False) and "
            f"publish the Secret in {first!r} yourself: RedisConnectionSecret(<a chart in {first!r}>, "
            "'redis-url', url=redis.cluster_url).",
        )


@public_signature
@read_only
class RedisConnectionSecret(Construct):
    """An ``Opaque`` Secret holding a connection string of your own, from a handle (``redis.url``).

    The value is ``stringData``, readable in ``dist/``, so it holds no password.

    Args:
        scope: the parent construct.
        id: construct id; keep it stable.
        url: ``redis://`` or ``rediss://``, without credentials (the rules of ``ExternalRedis``'s ``url``).
        name: Default ``"agentsmith-secrets"`` (seed).
        key: Default ``"redis-url"`` (seed).
        namespace: Default: the chart's namespace.
    """

    @checked_init
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        url: str,
        name: str = seed.SECRET_NAME,
        key: str = seed.SECRET_KEY_REDIS_URL,
        namespace: str | None = None,
    ) -> None:
        path = ConstructPath(scope, id)
        # Props first: a bad one leaves the tree untouched.
        self.name: Final[str] = dns_subdomain(path, "name", name)
        self.key: Final[str] = secret_key(path, "key", key)
        if namespace is not None:
            dns_label(path, "namespace", namespace)
        redis_url(path, "url", url)  # redis:// or rediss://, never credentials
        super().__init__(scope, id)
        collisions.claim(self, path, [("name", "Secret", namespace, self.name)])
        #: The Secret (``add_json_patch`` on it is the escape hatch); ``api_object`` is the same object.
        self.secret: Final[cdk8s.ApiObject] = add_connection_secret(
            self, "Secret", SecretKeyRef(name=self.name, key=self.key), url, namespace=namespace
        )
        self.api_object: Final[cdk8s.ApiObject] = self.secret
