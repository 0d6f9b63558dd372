"""Scenario files: load, validate, and the typed sections the core reads."""

from hotswap.scenario.load import ScenarioError, load
from hotswap.scenario.model import Scenario

__all__ = ["Scenario", "ScenarioError", "load"]
