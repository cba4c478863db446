"""Reading region-pack YAML files with line numbers, for loaders that must name the file,
key, line and reason of every problem (policy parameters, survey questionnaires).

:class:`LineTrackingLoader` is PyYAML's SafeLoader, except that it keeps dates as text,
reads decimals as ``Decimal`` and records duplicate keys (with lines) instead of silently
keeping the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml


class LineTrackingLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text, reads decimals as ``Decimal`` and records
    duplicate keys (with lines) instead of silently keeping the last one as PyYAML does."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[int, dict[Any, int]] = {}  # id(mapping) -> {key: line}
        # id(mapping) -> [(key, line, first line)]
        self.duplicates: dict[int, list[tuple[str, int, int]]] = {}
        self._node_lines: dict[Any, int] = {}
        self._node_duplicates: list[tuple[str, int, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        seen: dict[Any, int] = {}
        duplicates = []
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                duplicates.append((str(key), line, seen[key]))
            else:
                seen[key] = line
        self._node_lines, self._node_duplicates = seen, duplicates
        return mapping

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        # PyYAML yields the dict before filling it, so lines are filed under that object.
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))
        self.lines[id(data)] = self._node_lines
        if self._node_duplicates:
            self.duplicates[id(data)] = self._node_duplicates


# Dates stay strings so that "2024-7-1" (which YAML 1.1 would accept as a date) can be
# refused as not ISO, and so a quoted and an unquoted date cannot slip past the duplicate check.
LineTrackingLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_decimal(loader: LineTrackingLoader, node: yaml.ScalarNode) -> Decimal | float:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:  # .inf, .nan: left as floats for the unit check to refuse
        return loader.construct_yaml_float(node)
    return number


LineTrackingLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
LineTrackingLoader.add_constructor("tag:yaml.org,2002:map", LineTrackingLoader.construct_yaml_map)


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.reason}"
