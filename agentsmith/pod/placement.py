"""Where the Redis pod may run and what it preempts: node selector, tolerations, affinity, spread, priority class.

Each field is checked as the Kubernetes 1.27 API server checks the pod spec; the rest of the scheduling API
(``namespaceSelector``, ``matchLabelKeys``, ``minDomains``, pod affinity, ...) stays with ``add_json_patch``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from agentsmith.core.rules import PathArg, dns_label, dns_subdomain, fail, integer, label_key, label_value, selector
from agentsmith.core.values import plain_repr

__all__ = [
    "DEFAULT_PLACEMENT",
    "MatchExpression",
    "NodeAffinityTerm",
    "PodAntiAffinityTerm",
    "RedisPlacement",
    "Toleration",
    "TopologySpread",
    "pod_spec_fields",
]

#: ``Toleration.operator``: Kubernetes' two (an empty operator means ``Equal``).
TOLERATION_OPERATORS: Final = ("Equal", "Exists")
#: Taint effects (``Toleration.effect``); none means every effect.
TAINT_EFFECTS: Final = ("NoSchedule", "PreferNoSchedule", "NoExecute")
#: ``MatchExpression.operator`` of a node selector requirement.
NODE_OPERATORS: Final = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
#: ``MatchExpression.operator`` of a label selector (pods): no ``Gt``/``Lt``.
POD_OPERATORS: Final = ("In", "NotIn", "Exists", "DoesNotExist")
#: ``TopologySpread.when_unsatisfiable``.
WHEN_UNSATISFIABLE: Final = ("DoNotSchedule", "ScheduleAnyway")
#: The node label every kubelet sets to its node's name: one node per domain.
HOSTNAME_TOPOLOGY: Final = "kubernetes.io/hostname"
#: Priority classes Kubernetes ships; any other name starting with ``system-`` is reserved.
SYSTEM_PRIORITY_CLASSES: Final = ("system-cluster-critical", "system-node-critical")
_INT64 = 2**63 - 1


def _one_of(path: PathArg, prop: str, value: object, choices: Sequence[str]) -> str:
    """``value`` is one of ``choices`` (exact case, as the API server compares)."""
    if isinstance(value, str) and value in choices:
        return value
    near = [c for c in choices if isinstance(value, str) and c.lower() == value.strip().lower()]
    listed = ", ".join(repr(c) for c in choices)
    fix = f"Did you mean {near[0]!r}?" if near else f"Use one of {listed}."
    raise fail(path, prop, value, f"must be one of {listed}", fix)


def _items(path: PathArg, prop: str, value: object, kind: type, example: str) -> tuple[Any, ...]:
    """A sequence (not a string) whose items are all ``kind``."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise fail(path, prop, value, f"must be a sequence of {kind.__name__}", f"Pass a tuple, e.g. ({example},).")
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            raise fail(
                path, f"{prop}[{index}]", item, f"must be an agentsmith.{kind.__name__}", f"Pass {kind.__name__}(...)."
            )
    return tuple(value)


def _weight(path: PathArg, prop: str, value: object) -> int | None:
    """None (required) or a preference weight, 1 to 100."""
    if value is None:
        return None
    return integer(
        path, prop, value, minimum=1, maximum=100, fix="Use a weight from 1 to 100, or None for a hard requirement."
    )


@dataclass(frozen=True, kw_only=True)
class Toleration:
    """One toleration of the Redis pod: which node taints it accepts.

    Attributes:
        key: Default ``None``: every key (then ``operator`` must be ``"Exists"``). The taint's key, a label key.
        operator: Default ``"Equal"``: the taint's value must equal ``value``. ``"Exists"``: any value
            (``value`` must be None).
        value: Default ``None`` (empty). The taint's value, a label value; only with ``"Equal"``.
        effect: Default ``None``: every effect. ``"NoSchedule"``, ``"PreferNoSchedule"`` or ``"NoExecute"``.
        toleration_seconds: Default ``None``: tolerate for ever. Only with ``effect="NoExecute"``: how long the
            pod stays on a node after the taint appears (then it is evicted, and every in-flight job with it).
    """

    key: str | None = None
    operator: str = "Equal"
    value: str | None = None
    effect: str | None = None
    toleration_seconds: int | None = None

    @staticmethod
    def _check_all(path: PathArg, value: object, *, prop: str) -> tuple[Toleration, ...]:
        """A sequence of tolerations, each as the API server's ``validateTolerations`` checks it."""
        tolerations = _items(path, prop, value, Toleration, "Toleration(key='dedicated', value='bus')")
        for index, toleration in enumerate(tolerations):
            where = f"{prop}[{index}]"
            operator = _one_of(path, f"{where}.operator", toleration.operator, TOLERATION_OPERATORS)
            if toleration.key is None or toleration.key == "":
                if operator != "Exists":
                    raise fail(
                        path,
                        f"{where}.operator",
                        operator,
                        "must be 'Exists' when 'key' is empty (a toleration of every taint)",
                        "Name the taint's key, or use operator='Exists' to tolerate every taint.",
                    )
            else:
                label_key(path, toleration.key, prop=f"{where}.key")
            if operator == "Exists":
                if toleration.value not in (None, ""):
                    raise fail(
                        path,
                        f"{where}.value",
                        toleration.value,
                        "must be empty when 'operator' is 'Exists'",
                        "Drop the value, or use operator='Equal'.",
                    )
            elif toleration.value is not None:
                label_value(path, f"{where}.value", toleration.value)
            if toleration.effect is not None:
                _one_of(path, f"{where}.effect", toleration.effect, TAINT_EFFECTS)
            if toleration.toleration_seconds is not None:
                if toleration.effect != "NoExecute":
                    raise fail(
                        path,
                        f"{where}.toleration_seconds",
                        toleration.toleration_seconds,
                        "is only allowed with effect='NoExecute' (the API server refuses it otherwise)",
                        "Set effect='NoExecute', or drop toleration_seconds.",
                    )
                integer(
                    path,
                    f"{where}.toleration_seconds",
                    toleration.toleration_seconds,
                    minimum=0,
                    maximum=_INT64,
                    fix="Use 0 or more seconds (Kubernetes reads a negative number as 0).",
                )
        return tolerations

    def _manifest(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"operator": self.operator}
        for name, item in (("key", self.key), ("value", self.value), ("effect", self.effect)):
            if item:
                entry[name] = item
        if self.toleration_seconds is not None:
            entry["tolerationSeconds"] = self.toleration_seconds
        return entry


@dataclass(frozen=True, kw_only=True)
class MatchExpression:
    """One requirement on labels: of a node (node affinity) or of pods (pod anti-affinity).

    Attributes:
        key: The label key.
        operator: ``"In"``, ``"NotIn"``, ``"Exists"``, ``"DoesNotExist"``; for nodes also ``"Gt"``, ``"Lt"``.
        values: Default ``()``. Label values: at least one for ``In``/``NotIn``, none for
            ``Exists``/``DoesNotExist``, exactly one integer for ``Gt``/``Lt``.
    """

    key: str
    operator: str
    values: Sequence[str] = ()

    @staticmethod
    def _check_all(path: PathArg, value: object, *, prop: str, nodes: bool) -> tuple[MatchExpression, ...]:
        """Requirements as ``ValidateNodeSelectorRequirement`` (``nodes``) or ``ValidateLabelSelectorRequirement``
        checks them; values must also be label values (a node or pod label can hold no other)."""
        expressions = _items(path, prop, value, MatchExpression, "MatchExpression(key='pool', operator='In', ...)")
        for index, expression in enumerate(expressions):
            where = f"{prop}[{index}]"
            label_key(path, expression.key, prop=f"{where}.key")
            operator = _one_of(
                path, f"{where}.operator", expression.operator, NODE_OPERATORS if nodes else POD_OPERATORS
            )
            values = expression.values
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise fail(
                    path, f"{where}.values", values, "must be a sequence of strings", "Pass a tuple, e.g. ('a', 'b')."
                )
            if operator in ("In", "NotIn") and not values:
                raise fail(
                    path,
                    f"{where}.values",
                    values,
                    f"must not be empty with operator {operator!r}",
                    "List the label values to match, e.g. ('infra',).",
                )
            if operator in ("Exists", "DoesNotExist") and values:
                raise fail(
                    path,
                    f"{where}.values",
                    values,
                    f"must be empty with operator {operator!r}",
                    "Drop the values, or use 'In'.",
                )
            if operator in ("Gt", "Lt") and (
                len(values) != 1 or not isinstance(values[0], str) or not _is_int64(values[0])
            ):
                raise fail(
                    path,
                    f"{where}.values",
                    values,
                    f"must be exactly one integer with operator {operator!r}",
                    "Pass one number as a string, e.g. ('4',).",
                )
            for position, item in enumerate(values):
                label_value(path, f"{where}.values[{position}]", item)
        return expressions

    def _manifest(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            entry["values"] = list(self.values)
        return entry


def _is_int64(text: str) -> bool:
    try:
        number = int(text, 10)
    except ValueError:
        return False
    return -_INT64 - 1 <= number <= _INT64 and text.strip() == text


@dataclass(frozen=True, kw_only=True)
class NodeAffinityTerm:
    """Nodes the Redis pod must (``weight=None``) or should (``weight`` 1 to 100) run on.

    Required terms are alternatives (a node must match one); each term's expressions must all hold.

    Attributes:
        match: The node label requirements (:class:`MatchExpression` values), not empty.
        weight: Default ``None``: required (``requiredDuringSchedulingIgnoredDuringExecution``). 1 to 100:
            preferred (``preferredDuringSchedulingIgnoredDuringExecution``).
    """

    match: Sequence[MatchExpression]
    weight: int | None = None

    @staticmethod
    def _check_all(path: PathArg, value: object, *, prop: str) -> tuple[NodeAffinityTerm, ...]:
        terms = _items(path, prop, value, NodeAffinityTerm, "NodeAffinityTerm(match=(...))")
        for index, term in enumerate(terms):
            expressions = MatchExpression._check_all(path, term.match, prop=f"{prop}[{index}].match", nodes=True)
            if not expressions:
                raise fail(
                    path,
                    f"{prop}[{index}].match",
                    term.match,
                    "must not be empty: a required term without requirements matches no node, a preferred one every "
                    "node",
                    "Add a MatchExpression, or drop the term.",
                )
            _weight(path, f"{prop}[{index}].weight", term.weight)
        return terms


@dataclass(frozen=True, kw_only=True, repr=False)
class PodAntiAffinityTerm:
    """Pods the Redis pod must not (``weight=None``) or should not (``weight`` 1 to 100) share a topology domain with.

    Attributes:
        match_labels: Default none. Labels the other pods carry (all of them).
        match_expressions: Default ``()``. Further requirements on their labels. At least one of the two is set.
        topology_key: Default ``"kubernetes.io/hostname"``: the same node. A node label key, e.g.
            ``"topology.kubernetes.io/zone"``.
        namespaces: Default ``None``: Redis's namespace. The namespaces of the other pods.
        weight: Default ``None``: required. 1 to 100: preferred.
    """

    match_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    match_expressions: Sequence[MatchExpression] = ()
    topology_key: str = HOSTNAME_TOPOLOGY
    namespaces: Sequence[str] | None = None
    weight: int | None = None

    def __repr__(self) -> str:
        """``PodAntiAffinityTerm(match_labels={...}, ...)``: a call that rebuilds this term."""
        return plain_repr(self)

    @staticmethod
    def _check_all(path: PathArg, value: object, *, prop: str) -> tuple[PodAntiAffinityTerm, ...]:
        terms = _items(path, prop, value, PodAntiAffinityTerm, "PodAntiAffinityTerm(match_labels={'app': 'x'})")
        for index, term in enumerate(terms):
            where = f"{prop}[{index}]"
            selector(path, f"{where}.match_labels", term.match_labels)
            expressions = MatchExpression._check_all(
                path, term.match_expressions, prop=f"{where}.match_expressions", nodes=False
            )
            if not term.match_labels and not expressions:
                raise fail(
                    path,
                    f"{where}.match_labels",
                    dict(term.match_labels),
                    "must not be empty when 'match_expressions' is: an empty selector matches every pod",
                    "Name the pods to keep away from, e.g. match_labels={'app.kubernetes.io/name': 'postgres'}.",
                )
            label_key(path, term.topology_key, prop=f"{where}.topology_key")
            if term.namespaces is not None:
                if isinstance(term.namespaces, (str, bytes)) or not isinstance(term.namespaces, Sequence):
                    raise fail(
                        path,
                        f"{where}.namespaces",
                        term.namespaces,
                        "must be a sequence of namespace names",
                        "Pass a tuple, e.g. ('jobs',).",
                    )
                for position, namespace in enumerate(term.namespaces):
                    dns_label(path, f"{where}.namespaces[{position}]", namespace)
            _weight(path, f"{where}.weight", term.weight)
        return terms

    def _term(self) -> dict[str, Any]:
        label_selector: dict[str, Any] = {}
        if self.match_labels:
            label_selector["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            label_selector["matchExpressions"] = [e._manifest() for e in self.match_expressions]
        term: dict[str, Any] = {"labelSelector": label_selector, "topologyKey": self.topology_key}
        if self.namespaces is not None:
            term["namespaces"] = list(self.namespaces)
        return term


@dataclass(frozen=True, kw_only=True, repr=False)
class TopologySpread:
    """A topology spread constraint: keep the pods ``match_labels`` selects (the Redis pod among them) evenly
    spread over ``topology_key``'s domains, e.g. several buses over zones.

    Attributes:
        topology_key: A node label key, e.g. ``"topology.kubernetes.io/zone"``.
        match_labels: The pods counted, e.g. labels every bus carries (``labels={"tier": "bus"}``). Not empty:
            one Redis alone is always spread.
        max_skew: Default ``1``. The largest allowed difference in matching pods between two domains; at least 1.
        when_unsatisfiable: Default ``"DoNotSchedule"``: the pod stays Pending. ``"ScheduleAnyway"``: a preference.
    """

    topology_key: str
    match_labels: Mapping[str, str]
    max_skew: int = 1
    when_unsatisfiable: str = "DoNotSchedule"

    def __repr__(self) -> str:
        """``TopologySpread(topology_key=..., match_labels={...}, ...)``: a call that rebuilds this constraint."""
        return plain_repr(self)

    @staticmethod
    def _check_all(path: PathArg, value: object, *, prop: str) -> tuple[TopologySpread, ...]:
        constraints = _items(path, prop, value, TopologySpread, "TopologySpread(topology_key=..., match_labels=...)")
        seen: set[tuple[str, str]] = set()
        for index, constraint in enumerate(constraints):
            where = f"{prop}[{index}]"
            label_key(path, constraint.topology_key, prop=f"{where}.topology_key")
            selector(path, f"{where}.match_labels", constraint.match_labels)
            if not constraint.match_labels:
                raise fail(
                    path,
                    f"{where}.match_labels",
                    dict(constraint.match_labels),
                    "must not be empty: an empty selector counts every pod of the namespace",
                    "Name the pods to spread, e.g. match_labels={'tier': 'bus'} set on each bus with labels=.",
                )
            integer(
                path,
                f"{where}.max_skew",
                constraint.max_skew,
                minimum=1,
                maximum=2**31 - 1,
                fix="Use 1 or more (1: as even as possible).",
            )
            when = _one_of(path, f"{where}.when_unsatisfiable", constraint.when_unsatisfiable, WHEN_UNSATISFIABLE)
            if (constraint.topology_key, when) in seen:
                raise fail(
                    path,
                    f"{where}.topology_key",
                    constraint.topology_key,
                    f"is listed twice with when_unsatisfiable={when!r} (the API server refuses duplicates)",
                    "Keep one constraint per topology key.",
                )
            seen.add((constraint.topology_key, when))
        return constraints

    def _manifest(self) -> dict[str, Any]:
        return {
            "labelSelector": {"matchLabels": dict(self.match_labels)},
            "maxSkew": self.max_skew,
            "topologyKey": self.topology_key,
            "whenUnsatisfiable": self.when_unsatisfiable,
        }


@dataclass(frozen=True, kw_only=True, repr=False)
class RedisPlacement:
    """Where ``EphemeralRedis``'s pod may run and what it may preempt (``placement=``). Every field defaults to
    unset, as the design leaves it: any node, no toleration, the cluster's default priority.

    The bus is the one component whose loss loses every job, so on clusters that taint or preempt, give it
    a priority class and a node pool. What this does not cover (pod affinity, ``namespaceSelector``,
    ``matchLabelKeys``, ``minDomains``, ...) goes through ``redis.deployment.add_json_patch``.

    Attributes:
        node_selector: Default none. ``nodeSelector``: node labels (keys and values checked as labels).
        tolerations: Default ``()``. ``tolerations``: :class:`Toleration` values.
        node_affinity: Default ``()``. :class:`NodeAffinityTerm` values: required (alternatives) and preferred.
        pod_anti_affinity: Default ``()``. :class:`PodAntiAffinityTerm` values: pods to stay away from.
        topology_spread: Default ``()``. ``topologySpreadConstraints``: :class:`TopologySpread` values.
        priority_class_name: Default ``None``: the cluster's default priority (usually 0, preempted first). A
            PriorityClass name (DNS subdomain); ``system-`` names only ``system-cluster-critical`` and
            ``system-node-critical``.
    """

    node_selector: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    tolerations: Sequence[Toleration] = ()
    node_affinity: Sequence[NodeAffinityTerm] = ()
    pod_anti_affinity: Sequence[PodAntiAffinityTerm] = ()
    topology_spread: Sequence[TopologySpread] = ()
    priority_class_name: str | None = None

    def __repr__(self) -> str:
        """``RedisPlacement(node_selector={...}, ...)``: a call that rebuilds this value."""
        return plain_repr(self)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "placement") -> RedisPlacement:
        """``placement``: a RedisPlacement whose every field the API server would accept."""
        if not isinstance(value, RedisPlacement):
            raise fail(
                path, prop, value, "must be an agentsmith.RedisPlacement", "Pass RedisPlacement(node_selector=...)."
            )
        selector(path, f"{prop}.node_selector", value.node_selector)
        Toleration._check_all(path, value.tolerations, prop=f"{prop}.tolerations")
        NodeAffinityTerm._check_all(path, value.node_affinity, prop=f"{prop}.node_affinity")
        PodAntiAffinityTerm._check_all(path, value.pod_anti_affinity, prop=f"{prop}.pod_anti_affinity")
        TopologySpread._check_all(path, value.topology_spread, prop=f"{prop}.topology_spread")
        name = value.priority_class_name
        if name is not None:
            dns_subdomain(path, f"{prop}.priority_class_name", name)
            if name.startswith("system-") and name not in SYSTEM_PRIORITY_CLASSES:
                raise fail(
                    path,
                    f"{prop}.priority_class_name",
                    name,
                    "must not start with 'system-': Kubernetes reserves the prefix for its own classes",
                    "Use 'system-cluster-critical', 'system-node-critical' or a class of your own, e.g. 'bus-high'.",
                )
        return value


#: No placement: any node, no toleration, the cluster's default priority (the design's).
DEFAULT_PLACEMENT: Final = RedisPlacement()


def pod_spec_fields(placement: RedisPlacement) -> dict[str, Any]:
    """The pod spec fields ``placement`` sets (none for the default)."""
    fields: dict[str, Any] = {}
    if placement.node_selector:
        fields["nodeSelector"] = dict(placement.node_selector)
    if placement.tolerations:
        fields["tolerations"] = [t._manifest() for t in placement.tolerations]
    affinity: dict[str, Any] = {}
    required = [t for t in placement.node_affinity if t.weight is None]
    preferred = [t for t in placement.node_affinity if t.weight is not None]
    node: dict[str, Any] = {}
    if required:
        node["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [{"matchExpressions": [e._manifest() for e in t.match]} for t in required]
        }
    if preferred:
        node["preferredDuringSchedulingIgnoredDuringExecution"] = [
            {"weight": t.weight, "preference": {"matchExpressions": [e._manifest() for e in t.match]}}
            for t in preferred
        ]
    if node:
        affinity["nodeAffinity"] = node
    anti: dict[str, Any] = {}
    hard = [t._term() for t in placement.pod_anti_affinity if t.weight is None]
    soft = [
        {"weight": t.weight, "podAffinityTerm": t._term()} for t in placement.pod_anti_affinity if t.weight is not None
    ]
    if hard:
        anti["requiredDuringSchedulingIgnoredDuringExecution"] = hard
    if soft:
        anti["preferredDuringSchedulingIgnoredDuringExecution"] = soft
    if anti:
        affinity["podAntiAffinity"] = anti
    if affinity:
        fields["affinity"] = affinity
    if placement.topology_spread:
        fields["topologySpreadConstraints"] = [c._manifest() for c in placement.topology_spread]
    if placement.priority_class_name is not None:
        fields["priorityClassName"] = placement.priority_class_name
    return fields
