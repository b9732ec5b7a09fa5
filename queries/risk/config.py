"""Reading risk.toml: the default shipped beside the risk analysis, or the user's own (``--config``),
checked key by key so that a typo is one clear line, not a silently ignored weight."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from ...graph.analysis.risk import RiskConfig
from ...graph.errors import EquityGraphError

DEFAULT = Path(__file__).resolve().parents[2] / "graph" / "analysis" / "risk.toml"
_TEXT_KEYS = {("contagion", "method")}
_LIST_KEYS = {("words", "fundraising"), ("words", "finance_name")}
_FRACTIONS = {("tiers", "red"), ("tiers", "orange"), ("tiers", "yellow"), ("contagion", "carry"),
              ("contagion", "seed_confirmed"), ("contagion", "seed_intrinsic"), ("contagion", "seed_sanctioned"),
              ("contagion", "seed_wanted"), ("contagion", "seed_pep"), ("contagion", "seed_listed")}


class ConfigError(EquityGraphError):
    """A risk configuration that cannot be used."""


def _toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{path.name}: cannot read the file: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path.name}: not TOML: {e}") from None


def load_config(path: str | Path | None = None) -> RiskConfig:
    """The risk configuration: the default, with the user's file (if any) laid over it section by
    section. Refuses unknown keys, negative weights and thresholds outside [0, 1] or out of order."""
    default = _toml(DEFAULT)
    if path is None:
        return _checked(default, DEFAULT.name)
    path = Path(path)
    theirs = _toml(path)
    merged = {section: dict(values) for section, values in default.items()}
    for section, values in theirs.items():
        if section not in default:
            raise ConfigError(f"{path.name}: unknown section [{section}] (known: {', '.join(default)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{path.name}: [{section}] must be a table of keys")
        for key, value in values.items():
            if key not in default[section]:
                raise ConfigError(f"{path.name}: [{section}] {key}: unknown key (known: {', '.join(default[section])})")
            merged[section][key] = value
    return _checked(merged, path.name)


def _checked(sections: dict, name: str) -> RiskConfig:
    for section, values in sections.items():
        for key, value in values.items():
            where = f"{name}: [{section}] {key}"
            if (section, key) in _TEXT_KEYS:
                if value not in ("pagerank", "debtrank"):
                    raise ConfigError(f"{where}: {value!r} is not pagerank or debtrank")
            elif (section, key) in _LIST_KEYS:
                if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() and "\n" not in w for w in value):
                    raise ConfigError(f"{where}: must be a list of words")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}: {value!r} is not a number")
            elif not math.isfinite(value):
                raise ConfigError(f"{where}: {value} is not a finite number")
            elif value < 0:
                raise ConfigError(f"{where}: {value} is negative; weights and thresholds are 0 or more")
            elif ((section, key) in _FRACTIONS or section in ("equity", "compliance", "business", "public_opinion",
                                                               "complaints") and not key.endswith(("_days", "_stakes",
                                                               "_full", "_ratio", "_capital"))) and value > 1:
                raise ConfigError(f"{where}: {value} is above 1")
    tiers = sections["tiers"]
    if not tiers["red"] > tiers["orange"] > tiers["yellow"]:
        raise ConfigError(f"{name}: [tiers] must fall from red to orange to yellow, got "
                          f"{tiers['red']}, {tiers['orange']}, {tiers['yellow']}")
    if sections["contagion"]["carry"] >= 1:
        raise ConfigError(f"{name}: [contagion] carry: must be below 1, or risk never fades")
    if not sum(sections["combine"].values()) > 0 or not sum(sections["dimensions"].values()) > 0:
        raise ConfigError(f"{name}: [combine] and [dimensions] need a weight above 0")
    return RiskConfig(sections)


def dump_config(config: RiskConfig, comment: str) -> str:
    """The configuration as risk.toml text that :func:`load_config` reads back to the same values."""
    import json

    lines = [f"# equitygraph risk configuration: {comment}", "# every key is documented in docs/risk.md", ""]
    for section, values in config.sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, list):
                text = "[" + ", ".join(json.dumps(w, ensure_ascii=False) for w in value) + "]"
            elif isinstance(value, str):
                text = json.dumps(value, ensure_ascii=False)
            else:
                text = repr(value)
            lines.append(f"{key} = {text}")
        lines.append("")
    return "\n".join(lines)
